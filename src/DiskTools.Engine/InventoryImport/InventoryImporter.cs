using System.Diagnostics;
using DiskTools.Engine.Output;
using DiskTools.Engine.Reconciliation;
using DiskTools.Engine.Storage;
using Npgsql;
using NpgsqlTypes;

namespace DiskTools.Engine.InventoryImport;

/// <summary>
/// Loads a baseline inventory (path, size, modified, accessed) into file_records with last_accessed_source
/// initial_scan. Everything happens in ONE transaction: the valid rows stream into a temporary table by
/// binary COPY and are upserted set-based at the end, so an interrupted or failed import leaves nothing
/// behind and simply runs again. Bad rows are reported with their line/row number and skipped.
/// Existing records keep what a scan measured (size, times, identity); the import only raises their
/// last_accessed. New records get inode and device 0, so the next Invoke-Reconciliation re-examines them.
/// </summary>
public static class InventoryImporter
{
    public const string RowInvalidId = "InventoryImportRowInvalid";
    public const string SourceInvalidId = "InventoryImportSourceInvalid";
    public const string ImportFailedId = "InventoryImportFailed";
    private const int ProgressActivityId = 0x4949;

    public static async Task<InventoryImportResult> ImportAsync(
        InventoryDatabase database, string sourceFile, string root, InventoryFileFormat format, int maxReportedErrors, IOutputWriter writer, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        string rootPath = Reconciler.NormaliseRoot(root);
        InventoryFileFormat detected;
        try
        {
            detected = InventorySourceReader.Detect(sourceFile, format);
        }
        catch (IOException e)
        {
            throw new DiskToolsException(SourceInvalidId, ErrorKind.ReadError, $"Cannot read '{sourceFile}': {e.Message}", sourceFile, e);
        }

        InventoryRepository repository = await RepositoryStore.RegisterAsync(database, rootPath, cancellationToken).ConfigureAwait(false);
        await using NpgsqlConnection connection = await database.ConnectAsync(cancellationToken).ConfigureAwait(false);
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var create = new NpgsqlCommand("""
            CREATE TEMP TABLE import_rows (
                row_number bigint NOT NULL, file_path text COLLATE "C" NOT NULL, file_size bigint NOT NULL,
                mod_time timestamptz NOT NULL, mtime_ns bigint NOT NULL, accessed timestamptz) ON COMMIT DROP
            """, connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        long read = 0, skipped = 0;
        var throttle = new ProgressThrottle();
        try
        {
            await using (NpgsqlBinaryImporter importer = await connection.BeginBinaryImportAsync(
                "COPY import_rows (row_number, file_path, file_size, mod_time, mtime_ns, accessed) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
            {
                await foreach (var (row, error) in InventorySourceReader.ReadAsync(sourceFile, detected, rootPath, cancellationToken).ConfigureAwait(false))
                {
                    read++;
                    if (error is { } bad)
                    {
                        if (++skipped <= maxReportedErrors)
                        {
                            writer.WriteError(new OperationError(RowInvalidId, ErrorKind.InvalidData, sourceFile,
                                $"{Path.GetFileName(sourceFile)} {(detected == InventoryFileFormat.Csv ? "line" : "row")} {bad.RowNumber}: {bad.Reason}; skipped."));
                        }

                        continue;
                    }

                    InventoryImportRow r = row!.Value;
                    await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                    await importer.WriteAsync(r.RowNumber, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                    await importer.WriteAsync(r.Path, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                    await importer.WriteAsync(r.Size, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                    await importer.WriteAsync(r.ModifiedUtc, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                    await importer.WriteAsync((r.ModifiedUtc - DateTime.UnixEpoch).Ticks * 100, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                    if (r.AccessedUtc is DateTime accessed)
                    {
                        await importer.WriteAsync(accessed, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                    }

                    if (throttle.TryEnter())
                    {
                        writer.WriteProgress(new ProgressInfo(ProgressActivityId, $"Importing {Path.GetFileName(sourceFile)}", $"{read:N0} rows read, {skipped:N0} skipped"));
                    }
                }

                await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (InvalidDataException e)
        {
            // The file as a whole is not a baseline (no path column, not Parquet…): nothing is imported.
            throw new DiskToolsException(SourceInvalidId, ErrorKind.InvalidData, $"'{sourceFile}' cannot be imported: {e.Message}", sourceFile, e);
        }
        finally
        {
            if (throttle.HasEmitted)
            {
                writer.WriteProgress(new ProgressInfo(ProgressActivityId, $"Importing {Path.GetFileName(sourceFile)}", "Done", Completed: true));
            }
        }

        if (skipped > maxReportedErrors)
        {
            writer.WriteWarning($"{skipped - maxReportedErrors:N0} more bad row(s) in '{sourceFile}' were skipped without a report each.");
        }

        long inserted, updated;
        await using (var upsert = new NpgsqlCommand("""
            WITH src AS (
                SELECT DISTINCT ON (file_path) file_path, file_size, mod_time, mtime_ns, accessed
                FROM import_rows ORDER BY file_path, row_number DESC),
            written AS (
                INSERT INTO file_records AS r (repository_id, file_path, file_size, mod_time, mtime_ns, ctime_ns, inode, dev,
                                               last_accessed, last_accessed_source, updated_utc)
                SELECT $1, file_path, file_size, mod_time, mtime_ns, mtime_ns, 0, 0, accessed,
                       CASE WHEN accessed IS NULL THEN NULL ELSE 'initial_scan'::file_access_source END, now()
                FROM src
                ON CONFLICT (repository_id, path_digest) DO UPDATE SET
                    last_accessed = EXCLUDED.last_accessed, last_accessed_source = 'initial_scan', updated_utc = now()
                WHERE EXCLUDED.last_accessed > r.last_accessed OR (r.last_accessed IS NULL AND EXCLUDED.last_accessed IS NOT NULL)
                RETURNING (xmax = 0) AS inserted)
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written
            """, connection, transaction))
        {
            upsert.CommandTimeout = 0;
            upsert.Parameters.Add(new NpgsqlParameter { Value = repository.Id });
            await using NpgsqlDataReader result = await upsert.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await result.ReadAsync(cancellationToken).ConfigureAwait(false);
            inserted = result.GetInt64(0);
            updated = result.GetInt64(1);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new InventoryImportResult
        {
            Root = rootPath,
            Source = sourceFile,
            Format = detected.ToString(),
            RowsRead = read,
            Inserted = inserted,
            Updated = updated,
            Unchanged = read - skipped - inserted - updated,
            Skipped = skipped,
            Duration = clock.Elapsed,
        };
    }
}
