using DiskTools.Engine.Reconciliation;
using DiskTools.Engine.Storage;
using Parquet;

namespace DiskTools.Engine.InventoryImport;

/// <summary>
/// Loads a baseline inventory (path, size, modified, accessed) into file_records with last_accessed_source
/// initial_scan. Everything happens in ONE transaction: the valid rows stream by binary COPY either straight
/// into the new partition of a root with no records yet (see <see cref="RootPartition"/>) or into a temporary
/// table that is upserted set-based at the end, so an interrupted or failed import leaves nothing behind and
/// simply runs again. Bad rows are reported with their line/row number and skipped.
/// Existing records keep what a scan measured (size, times, identity); the import only raises their
/// last_accessed. New records get inode and device 0, so the next Invoke-Reconciliation re-examines them.
/// </summary>
public static class InventoryImporter
{
    private const int ProgressActivityId = 0x4949;

    /// <summary>COPY data sent to the server at a time.</summary>
    private const int CopyBlockBytes = 1 << 20;

    /// <summary>
    /// Abandons a COPY whose source failed part-way (so the failure, not an incomplete COPY, is what the
    /// caller sees); the transaction is rolled back with it.
    /// </summary>
    private static async ValueTask CancelCopyAsync(NpgsqlRawCopyStream copy)
    {
        try
        {
            await copy.CancelAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException)
        {
            // The connection is already gone or the COPY over: the original failure says more.
        }
    }

    public static Task<InventoryImportResult> ImportAsync(
        InventoryDatabase database, string sourceFile, string root, InventoryFileFormat format, int maxReportedErrors, IOutputWriter writer, CancellationToken cancellationToken)
        => ImportAsync(database, sourceFile, root, format, null, maxReportedErrors, writer, cancellationToken);

    /// <param name="encoding">The CSV's encoding when it is not UTF-8; null reads strict UTF-8 (a row that is not is reported and skipped).</param>
    public static async Task<InventoryImportResult> ImportAsync(
        InventoryDatabase database, string sourceFile, string root, InventoryFileFormat format, System.Text.Encoding? encoding, int maxReportedErrors, IOutputWriter writer, CancellationToken cancellationToken)
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
            throw new DiskToolsException(ErrorIds.InventoryImportSourceInvalid, ErrorKind.ReadError, $"Cannot read '{sourceFile}': {e.Message}", sourceFile, e);
        }

        // The root's partition of file_records is made here, in the import's transaction, when the root has none yet.
        InventoryRoot inventoryRoot = await RootStore.RegisterAsync(database, rootPath, withRecordsPartition: false, cancellationToken).ConfigureAwait(false);
        await using NpgsqlConnection connection = await database.ConnectAsync(cancellationToken).ConfigureAwait(false);
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // A root with no records yet gets the rows copied straight into its new partition; any other has them
        // staged and merged.
        RootPartition? wholeRoot = await RootPartition.TryCreateAsync(connection, transaction, inventoryRoot.Id, cancellationToken).ConfigureAwait(false);
        if (wholeRoot is null)
        {
            await using var create = new NpgsqlCommand(ImportSql.CreateImportRows, connection, transaction);
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        long read = 0, skipped = 0;
        var throttle = new ProgressThrottle();
        DateTime now = DateTime.UtcNow;
        try
        {
            // Rows are encoded here as PostgreSQL's binary COPY stream and sent in large blocks: writing them
            // field by field through the driver cost more than reading and checking them.
            await using NpgsqlRawCopyStream copy = await connection.BeginRawBinaryCopyAsync(
                wholeRoot?.CopyCommand ?? ImportSql.CopyImportRows, cancellationToken).ConfigureAwait(false);
            try
            {
                var rows = new ArrayBufferWriter<byte>(CopyBlockBytes + (64 << 10));
                ImportCopyEncoder.WriteHeader(rows);
                await foreach (var (row, error) in InventorySourceReader.ReadAsync(sourceFile, detected, rootPath, encoding, now, cancellationToken).ConfigureAwait(false))
                {
                    read++;
                    if (error is { } bad)
                    {
                        if (++skipped <= maxReportedErrors)
                        {
                            writer.WriteError(new OperationError(ErrorIds.InventoryImportRowInvalid, ErrorKind.InvalidData, sourceFile,
                                $"{Path.GetFileName(sourceFile)} {(detected == InventoryFileFormat.Csv ? "line" : "row")} {bad.RowNumber}: {bad.Reason}; skipped."));
                        }

                        continue;
                    }

                    if (wholeRoot is null)
                    {
                        ImportCopyEncoder.WriteRow(rows, row!.Value);
                    }
                    else
                    {
                        ImportCopyEncoder.WriteRecordRow(rows, inventoryRoot.Id, row!.Value);
                    }

                    if (rows.WrittenCount >= CopyBlockBytes)
                    {
                        await copy.WriteAsync(rows.WrittenMemory, cancellationToken).ConfigureAwait(false);
                        rows.ResetWrittenCount();
                    }

                    if (throttle.TryEnter())
                    {
                        writer.WriteProgress(new ProgressInfo(ProgressActivityId, $"Importing {Path.GetFileName(sourceFile)}", $"{read:N0} rows read, {skipped:N0} skipped"));
                    }
                }

                ImportCopyEncoder.WriteTrailer(rows);
                await copy.WriteAsync(rows.WrittenMemory, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await CancelCopyAsync(copy).ConfigureAwait(false);
                throw;
            }
        }
        catch (InvalidDataException e)
        {
            // The file as a whole is not a baseline (no path column, not Parquet…): nothing is imported.
            throw new DiskToolsException(ErrorIds.InventoryImportSourceInvalid, ErrorKind.InvalidData, $"'{sourceFile}' cannot be imported: {e.Message}", sourceFile, e);
        }
        catch (Exception e) when (e is IOException or System.Text.DecoderFallbackException or ParquetException or NotSupportedException or IndexOutOfRangeException or ArgumentOutOfRangeException or OverflowException
                                  && e is not NpgsqlException)
        {
            // The file itself could not be read: a corrupt Parquet file, a byte the given encoding cannot decode.
            throw new DiskToolsException(ErrorIds.InventoryImportSourceInvalid, ErrorKind.InvalidData,
                $"'{sourceFile}' cannot be read as {(detected == InventoryFileFormat.Parquet ? "Parquet" : "CSV")}; nothing was imported: {e.Message}", sourceFile, e);
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
        if (wholeRoot is not null)
        {
            inserted = await wholeRoot.AttachAsync(read - skipped, cancellationToken).ConfigureAwait(false);
            updated = 0;
        }
        else
        {
            (inserted, updated) = await MergeAsync(connection, transaction, inventoryRoot.Id, cancellationToken).ConfigureAwait(false);
        }

        // The bad rows reported above are errors the caller may have made terminating (-ErrorAction Stop):
        // only once they have all been handled without that does the import become visible.
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);

        // See ImportSql.AnalyzeRecords for why a bulk load is measured at once.
        if (inserted + updated > 0)
        {
            await using var analyze = new NpgsqlCommand(ImportSql.AnalyzeRecords, connection) { CommandTimeout = 0 };
            await analyze.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

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

    /// <summary>Upserts the staged rows into a root that already has records (or may get them meanwhile).</summary>
    private static async Task<(long Inserted, long Updated)> MergeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid rootId, CancellationToken cancellationToken)
    {
        await using (var memory = new NpgsqlCommand(ImportSql.WriteWorkMemory, connection, transaction))
        {
            await memory.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var upsert = new NpgsqlCommand(ImportSql.MergeRecords, connection, transaction);
        upsert.CommandTimeout = 0;
        upsert.AddValues(rootId);
        await using NpgsqlDataReader result = await upsert.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await result.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (result.GetInt64(0), result.GetInt64(1));
    }
}
