using DiskTools.Engine.Storage;
using NpgsqlTypes;

namespace DiskTools.Engine.Reconciliation;

/// <summary>
/// The pass's temporary tables on its own connection: stage_files (the walk, streamed with binary COPY),
/// stage_blocked (path prefixes under directories that could not be listed completely), stage_work (the
/// added and changed files, numbered for batching), stage_orphans (records whose file is gone, numbered too)
/// and stage_moves (orphans paired with the new path their file was moved to). Comparing sets in SQL touches no unchanged record: "seen in this pass" is membership in stage_files.
/// </summary>
internal sealed class PassStage
{
    private readonly NpgsqlConnection connection;

    public PassStage(NpgsqlConnection connection) => this.connection = connection;

    public async Task CreateAsync(CancellationToken cancellationToken)
        => await ExecuteAsync(ReconciliationSql.CreateStageTables, cancellationToken).ConfigureAwait(false);

    /// <summary>Streams every staged file into stage_files with one binary COPY; returns the row count.</summary>
    public async Task<long> CopyAsync(ChannelReader<StagedFile[]> rows, CancellationToken cancellationToken)
    {
        long count = 0;
        await using NpgsqlBinaryImporter importer = await connection.BeginBinaryImportAsync(
            ReconciliationSql.CopyStagedFiles, cancellationToken).ConfigureAwait(false);
        await foreach (StagedFile[] batch in rows.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (StagedFile file in batch)
            {
                await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(file.Path, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(file.Size, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(file.ModifiedNs, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(file.ModTimeMicros, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(file.ChangedNs, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(unchecked((long)file.Inode), NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(unchecked((long)file.Device), NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
            }

            count += batch.Length;
        }

        await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        return count;
    }

    /// <summary>Records that incomplete directories protect everything beneath them from orphan deletion.</summary>
    public async Task BlockAsync(IReadOnlyCollection<string> incompleteDirectories, CancellationToken cancellationToken)
    {
        if (incompleteDirectories.Count == 0)
        {
            return;
        }

        await using var command = new NpgsqlCommand(ReconciliationSql.BlockIncompleteDirectories, connection);
        command.AddValues(incompleteDirectories.ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Builds stage_work: files with no record, files whose size, mtime, ctime or inode differ from the record
    /// (inequality, so a restored file with an older mtime counts), records kept while their file was absent,
    /// and — when hashing — recorded files still without a hash (unless adopted from a baseline). The device
    /// number is recorded but never compared: the same file system mounted again gets another one, and inode,
    /// size and times already say whether the file is the same. A record imported without an inode whose
    /// size and mtime match is marked for adoption (record_id set, adopt true). Returns how many rows.
    /// </summary>
    public async Task<long> BuildWorkAsync(Guid rootId, bool hashing, CancellationToken cancellationToken)
    {
        await ExecuteAsync(ReconciliationSql.AnalyzeStagedFiles, cancellationToken).ConfigureAwait(false);
        await RunWholeSetAsync(cancellationToken, ReconciliationSql.BuildWork, rootId, hashing).ConfigureAwait(false);
        return await IndexAndCountAsync("stage_work", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Fills in inode, ctime and device of imported baseline records whose size and mtime match the file,
    /// without reading it, and takes them out of the work. Returns how many were adopted.
    /// </summary>
    public async Task<int> AdoptBaselinesAsync(long generation, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(ReconciliationSql.AdoptBaselines, connection) { CommandTimeout = 0 };
        command.AddValues(generation);
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>One page of stage_work (seq in (after, after + count]).</summary>
    public async Task<List<StagedFile>> ReadWorkAsync(long after, int count, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(ReconciliationSql.ReadWorkPage, connection);
        command.AddValues(after, after + count);
        var page = new List<StagedFile>(count);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            page.Add(new StagedFile(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetFieldValue<long>(3), reader.GetInt64(4),
                unchecked((ulong)reader.GetInt64(5)), unchecked((ulong)reader.GetInt64(6))));
        }

        return page;
    }

    /// <summary>
    /// Builds stage_orphans: present records of this root not seen by the walk, not beneath a directory
    /// the walk could not finish, and not written since the pass began (a watcher may have just added them).
    /// Built before anything is written, so a pass can still stop without having changed a thing.
    /// </summary>
    public async Task<long> BuildOrphansAsync(Guid rootId, string scope, DateTimeOffset passStart, CancellationToken cancellationToken)
    {
        await RunWholeSetAsync(cancellationToken, ReconciliationSql.BuildOrphans, rootId, passStart, scope).ConfigureAwait(false);
        return await IndexAndCountAsync("stage_orphans", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Pairs orphans with new paths that have the same inode, size and mtime — a file (or a directory's
    /// files) moved or renamed within the root — into stage_moves, and takes the pairs out of stage_work and
    /// stage_orphans. Only unambiguous pairs: an identity that occurs twice on either side (hard links) is
    /// left as a removal plus an addition. Returns how many moves.
    /// </summary>
    public async Task<long> BuildMovesAsync(CancellationToken cancellationToken)
    {
        await RunWholeSetAsync(cancellationToken, ReconciliationSql.BuildMoves).ConfigureAwait(false);
        await ExecuteAsync(ReconciliationSql.TakeMovesFromWork, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(ReconciliationSql.TakeMovesFromOrphans, cancellationToken).ConfigureAwait(false);
        return await IndexAndCountAsync("stage_moves", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Moves one slice of stage_moves' records to their new paths, keeping id, hash, created_at, access
    /// columns and tier state; returns how many moved.
    /// </summary>
    public async Task<int> ApplyMovesAsync(long after, int count, long generation, DateTimeOffset passStart, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(ReconciliationSql.ApplyMoves, connection);
        command.AddValues(after, after + count, generation, passStart);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Present records of the root (what a removal threshold is a share of).</summary>
    public async Task<long> CountPresentAsync(Guid rootId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(ReconciliationSql.CountPresentRecords, connection) { CommandTimeout = 0 };
        command.AddValues(rootId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Removes one slice of stage_orphans in its own short transaction: records holding tiering or access
    /// history are kept and marked absent, the rest are deleted. Returns (marked absent, deleted).
    /// </summary>
    public async Task<(int Kept, int Deleted)> RemoveOrphansAsync(long after, int count, DateTimeOffset passStart, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(ReconciliationSql.RemoveOrphans, connection);
        command.AddValues(after, after + count, passStart);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return ((int)reader.GetInt64(0), (int)reader.GetInt64(1));
    }

    /// <summary>The highest seq of a stage table (rows taken out leave gaps; slices run up to this).</summary>
    public async Task<long> MaxSeqAsync(string table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(ReconciliationSql.MaxStageSeq(table), connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Refreshes file_records' statistics when this pass changed a large share of it (or it was never
    /// analyzed), so that the next statement anyone runs against it is planned from what is really there
    /// rather than waiting for autovacuum.
    /// </summary>
    public async Task AnalyzeIfChangedAsync(long changedRows, CancellationToken cancellationToken)
    {
        if (changedRows < 10_000)
        {
            return;
        }

        await using var command = new NpgsqlCommand(ReconciliationSql.EstimateRecordRows, connection);
        float estimate = (float)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        if (estimate < 0 || changedRows > estimate * 0.1)
        {
            await using var analyze = new NpgsqlCommand(ReconciliationSql.AnalyzeRecords, connection) { CommandTimeout = 0 };
            await analyze.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task DropAsync()
    {
        if (connection.State == System.Data.ConnectionState.Open)
        {
            try
            {
                await ExecuteAsync(ReconciliationSql.DropStageTables, CancellationToken.None).ConfigureAwait(false);
            }
            catch (NpgsqlException)
            {
                // A broken connection takes its temporary tables with it.
            }
        }
    }

    private async Task<long> IndexAndCountAsync(string table, CancellationToken cancellationToken)
    {
        await ExecuteAsync(ReconciliationSql.IndexStageSeq(table), cancellationToken).ConfigureAwait(false);
        await using var count = new NpgsqlCommand(ReconciliationSql.CountStageRows(table), connection) { CommandTimeout = 0 };
        return (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Runs one whole-set statement in a transaction of its own under <see cref="ReconciliationSql.WholeSetPlanSettings"/>.</summary>
    private async Task RunWholeSetAsync(CancellationToken cancellationToken, string sql, params object?[] parameters)
    {
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var settings = new NpgsqlCommand(ReconciliationSql.WholeSetPlanSettings, connection, transaction))
        {
            await settings.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await connection.ExecuteUnlimitedAsync(transaction, sql, cancellationToken, parameters).ConfigureAwait(false);

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
