using System.Globalization;
using CsvHelper;
using Parquet;
using Parquet.Schema;

namespace DiskTools.Engine.InventoryImport;

/// <summary>The format of a baseline inventory file.</summary>
public enum InventoryFileFormat
{
    Auto,
    Csv,
    Parquet,
}

/// <summary>
/// Reads a baseline inventory from CSV (CsvHelper: quoting, embedded separators and line breaks) or
/// Parquet (Parquet.Net, row group by row group). Every row comes back either valid or with a reason, so
/// one bad row is reported and skipped while the rest import.
/// </summary>
public static class InventorySourceReader
{
    public static InventoryFileFormat Detect(string file, InventoryFileFormat format)
    {
        if (format != InventoryFileFormat.Auto)
        {
            return format;
        }

        using FileStream stream = File.OpenRead(file);
        Span<byte> magic = stackalloc byte[4];
        return stream.Read(magic) == 4 && magic.SequenceEqual("PAR1"u8) ? InventoryFileFormat.Parquet : InventoryFileFormat.Csv;
    }

    public static IAsyncEnumerable<(InventoryImportRow? Row, InventoryRowError? Error)> ReadAsync(string file, InventoryFileFormat format, string root, CancellationToken cancellationToken)
        => Detect(file, format) == InventoryFileFormat.Parquet
            ? ReadParquetAsync(file, root, cancellationToken)
            : ReadCsvAsync(file, root, cancellationToken);

    private static async IAsyncEnumerable<(InventoryImportRow?, InventoryRowError?)> ReadCsvAsync(string file, string root, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Records with broken quoting are skipped by the reader and reported here, with their line.
        var malformed = new Queue<InventoryRowError>();
        var options = new CsvReaderOptions
        {
            TrackLineNumbers = true,
            MalformedData = CsvMalformedDataHandling.Skip,
            OnMalformedRecord = record => malformed.Enqueue(new InventoryRowError(record.LineNumber, $"malformed CSV ({record.Reason})")),
        };
        using CsvReader csv = CsvReader.FromFile(file, options);
        await csv.ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
        if (csv.Headers.Count == 0)
        {
            yield break;
        }

        var (pathAt, sizeAt, modifiedAt, accessedAt) = InventoryValueParser.MapColumns(csv.Headers);
        int required = Math.Max(pathAt, Math.Max(sizeAt, modifiedAt)) + 1;
        while (await csv.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (malformed.Count > 0)
            {
                yield return (null, malformed.Dequeue());
            }

            long line = csv.LineNumber;
            if (csv.FieldCount < required)
            {
                yield return (null, new InventoryRowError(line, $"only {csv.FieldCount} field(s), {required} needed"));
                continue;
            }

            yield return Validate(line, csv.GetString(pathAt), csv.GetString(sizeAt), csv.GetString(modifiedAt),
                accessedAt >= 0 && accessedAt < csv.FieldCount ? csv.GetString(accessedAt) : null, accessedAt >= 0, root);
        }

        while (malformed.Count > 0)
        {
            yield return (null, malformed.Dequeue());
        }
    }

    private static (InventoryImportRow?, InventoryRowError?) Validate(long row, string? path, string? size, string? modified, string? accessed, bool hasAccessed, string root)
    {
        if (!InventoryValueParser.TryMakeRelative(path, root, out string relative, out string? error)
            || !InventoryValueParser.TryParseSize(size, out long bytes, out error)
            || !InventoryValueParser.TryParseTime(modified, "modified", out DateTime modifiedUtc, out error))
        {
            return (null, new InventoryRowError(row, error!));
        }

        DateTime? accessedUtc = null;
        if (hasAccessed && !string.IsNullOrWhiteSpace(accessed))
        {
            if (!InventoryValueParser.TryParseTime(accessed, "accessed", out DateTime a, out error))
            {
                return (null, new InventoryRowError(row, error!));
            }

            accessedUtc = a;
        }

        return (new InventoryImportRow(row, relative, bytes, modifiedUtc, accessedUtc), null);
    }

    private static async IAsyncEnumerable<(InventoryImportRow?, InventoryRowError?)> ReadParquetAsync(string file, string root, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using FileStream stream = File.OpenRead(file);
        await using ParquetReader reader = await ParquetReader.CreateAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        DataField[] fields = reader.Schema.GetDataFields();
        var (pathAt, sizeAt, modifiedAt, accessedAt) = InventoryValueParser.MapColumns(fields.Select(f => f.Name).ToArray());
        long rowBase = 0;
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using ParquetRowGroupReader group = reader.OpenRowGroupReader(g);
            int count = checked((int)group.RowCount);
            string?[] paths = await ParquetColumns.ReadAsync(group, fields[pathAt], count, cancellationToken).ConfigureAwait(false);
            string?[] sizes = await ParquetColumns.ReadAsync(group, fields[sizeAt], count, cancellationToken).ConfigureAwait(false);
            string?[] modified = await ParquetColumns.ReadAsync(group, fields[modifiedAt], count, cancellationToken).ConfigureAwait(false);
            string?[]? accessed = accessedAt < 0 ? null : await ParquetColumns.ReadAsync(group, fields[accessedAt], count, cancellationToken).ConfigureAwait(false);
            for (int i = 0; i < count; i++)
            {
                yield return Validate(rowBase + i + 1, paths[i], sizes[i], modified[i], accessed?[i], accessed is not null, root);
            }

            rowBase += count;
        }
    }
}
