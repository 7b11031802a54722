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
/// Reads a baseline inventory from CSV (<see cref="CsvRecordReader"/>: quoting, embedded separators and
/// line breaks, strict UTF-8) or Parquet (Parquet.Net, row group by row group). Every row comes back either valid or with a reason, so
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
        => ReadAsync(file, format, root, null, DateTime.UtcNow, cancellationToken);

    /// <summary>
    /// Every row of <paramref name="file"/>, valid or with its reason. CSV is read as strict UTF-8 unless
    /// <paramref name="encoding"/> names another encoding, which then decodes it (a byte that encoding
    /// cannot decode ends the import with an error naming the file; nothing is replaced silently).
    /// </summary>
    public static IAsyncEnumerable<(InventoryImportRow? Row, InventoryRowError? Error)> ReadAsync(
        string file, InventoryFileFormat format, string root, System.Text.Encoding? encoding, DateTime nowUtc, CancellationToken cancellationToken)
        => Detect(file, format) == InventoryFileFormat.Parquet
            ? ReadParquetAsync(file, root, nowUtc, cancellationToken)
            : ReadCsv(file, root, encoding, nowUtc, cancellationToken).ToAsyncEnumerable();

    private static IEnumerable<(InventoryImportRow?, InventoryRowError?)> ReadCsv(string file, string root, System.Text.Encoding? encoding, DateTime nowUtc, CancellationToken cancellationToken)
    {
        Stream stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        if (encoding is not null && encoding.CodePage != System.Text.Encoding.UTF8.CodePage)
        {
            // Decoded as asked, strictly: an undecodable byte throws instead of becoming U+FFFD.
            var strict = System.Text.Encoding.GetEncoding(encoding.CodePage, System.Text.EncoderFallback.ExceptionFallback, System.Text.DecoderFallback.ExceptionFallback);
            stream = System.Text.Encoding.CreateTranscodingStream(stream, strict, new System.Text.UTF8Encoding(false), leaveOpen: false);
        }

        using var csv = new CsvRecordReader(stream);
        if (!csv.Read())
        {
            yield break;
        }

        if (csv.Error is not null)
        {
            throw new InvalidDataException($"its header (line {csv.LineNumber}) is {csv.Error}");
        }

        var header = new string[csv.FieldCount];
        for (int i = 0; i < header.Length; i++)
        {
            header[i] = System.Text.Encoding.UTF8.GetString(csv.Field(i));
        }

        var (pathAt, sizeAt, modifiedAt, accessedAt) = InventoryValueParser.MapColumns(header);
        int required = Math.Max(pathAt, Math.Max(sizeAt, modifiedAt)) + 1;
        while (csv.Read())
        {
            cancellationToken.ThrowIfCancellationRequested();
            long line = csv.LineNumber;
            if (csv.Error is not null)
            {
                yield return (null, new InventoryRowError(line, csv.Error));
                continue;
            }

            if (csv.FieldCount < required)
            {
                yield return (null, new InventoryRowError(line, $"only {csv.FieldCount} field(s), {required} needed"));
                continue;
            }

            string path = System.Text.Encoding.UTF8.GetString(csv.Field(pathAt));
            if (!InventoryValueParser.TryMakeRelative(path, root, out string relative, out string? error)
                || !InventoryValueParser.TryParseSize(csv.Field(sizeAt), out long bytes, out error)
                || !InventoryValueParser.TryParseTime(csv.Field(modifiedAt), "modified", out DateTime modifiedUtc, out error))
            {
                yield return (null, new InventoryRowError(line, error!));
                continue;
            }

            DateTime? accessedUtc = null;
            if (accessedAt >= 0 && accessedAt < csv.FieldCount && !csv.Field(accessedAt).Trim(" \t"u8).IsEmpty)
            {
                if (!InventoryValueParser.TryParseTime(csv.Field(accessedAt), "accessed", out DateTime accessed, out error))
                {
                    yield return (null, new InventoryRowError(line, error!));
                    continue;
                }

                accessedUtc = accessed;
            }

            if (!InventoryValueParser.CheckPlausible(modifiedUtc, accessedUtc, nowUtc, out error))
            {
                yield return (null, new InventoryRowError(line, error!));
                continue;
            }

            yield return (new InventoryImportRow(line, relative, bytes, modifiedUtc, accessedUtc), null);
        }
    }

    private static (InventoryImportRow?, InventoryRowError?) Validate(long row, string? path, string? size, string? modified, string? accessed, bool hasAccessed, string root, DateTime nowUtc)
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

        if (!InventoryValueParser.CheckPlausible(modifiedUtc, accessedUtc, nowUtc, out error))
        {
            return (null, new InventoryRowError(row, error!));
        }

        return (new InventoryImportRow(row, relative, bytes, modifiedUtc, accessedUtc), null);
    }

    private static async IAsyncEnumerable<(InventoryImportRow?, InventoryRowError?)> ReadParquetAsync(string file, string root, DateTime nowUtc, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
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
                yield return Validate(rowBase + i + 1, paths[i], sizes[i], modified[i], accessed?[i], accessed is not null, root, nowUtc);
            }

            rowBase += count;
        }
    }
}
