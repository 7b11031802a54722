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
    /// <summary>
    /// Settings for the transaction of a whole-set statement (<see cref="RunWholeSetAsync"/>). Its plan must not depend on
    /// how fresh file_records' statistics are: after a large first pass, or a crash, before autovacuum has run,
    /// the planner believes a root holds a handful of records and picks a nested loop that compares every
    /// record with every staged file. These statements compare whole sets, for which a hash or merge join is
    /// always right, so nested loops are off for them. (No statement timeout applies to them, nor to any other
    /// statement of the pass: its connection comes from InventoryDatabase.ConnectForPassAsync.)
    /// </summary>
    private const string PlanSettings = "SELECT set_config('enable_nestloop', 'off', true)";

    /// <summary>
    /// A baseline's mtime (r) is the file's (s) as far as the baseline can tell: equal, or the file's truncated to
    /// the baseline's precision (whole seconds, microseconds or the 100 ns of .NET times). Outside 1677–2262, where
    /// mtime_ns saturates and so cannot tell two times apart, mod_time is compared instead (to the microsecond, or
    /// to the second for a baseline in whole seconds).
    /// </summary>
    private const string BaselineMtimeMatches = """
        (CASE WHEN s.mtime_ns NOT BETWEEN -9223372036854775807 AND 9223372036854775806
              THEN r.mtime_ns = s.mtime_ns AND (r.mod_time = s.mod_time OR r.mod_time = date_trunc('second', s.mod_time))
              ELSE r.mtime_ns = s.mtime_ns
                OR (r.mtime_ns % 1000000000 = 0 AND r.mtime_ns = s.mtime_ns - s.mtime_ns % 1000000000)
                OR (r.mtime_ns % 1000 = 0 AND r.mtime_ns = s.mtime_ns - s.mtime_ns % 1000)
                OR (r.mtime_ns % 100 = 0 AND r.mtime_ns = s.mtime_ns - s.mtime_ns % 100) END)
        """;

    private readonly NpgsqlConnection connection;

    public PassStage(NpgsqlConnection connection) => this.connection = connection;

    public async Task CreateAsync(CancellationToken cancellationToken)
        => await ExecuteAsync("""
            DROP TABLE IF EXISTS pg_temp.stage_files, pg_temp.stage_blocked, pg_temp.stage_work, pg_temp.stage_orphans, pg_temp.stage_moves;
            CREATE TEMP TABLE stage_files (
                file_path text COLLATE "C" NOT NULL, file_size bigint NOT NULL, mtime_ns bigint NOT NULL,
                mod_time timestamptz NOT NULL, ctime_ns bigint NOT NULL, inode bigint NOT NULL, dev bigint NOT NULL);
            CREATE TEMP TABLE stage_blocked (prefix text COLLATE "C" NOT NULL);
            """, cancellationToken).ConfigureAwait(false);

    /// <summary>Streams every staged file into stage_files with one binary COPY; returns the row count.</summary>
    public async Task<long> CopyAsync(ChannelReader<StagedFile[]> rows, CancellationToken cancellationToken)
    {
        long count = 0;
        await using NpgsqlBinaryImporter importer = await connection.BeginBinaryImportAsync(
            "COPY stage_files (file_path, file_size, mtime_ns, mod_time, ctime_ns, inode, dev) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
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

        await using var command = new NpgsqlCommand("INSERT INTO stage_blocked SELECT CASE WHEN d = '' THEN '' ELSE d || '/' END FROM unnest($1::text[]) d", connection);
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
        await ExecuteAsync("ANALYZE pg_temp.stage_files", cancellationToken).ConfigureAwait(false);
        await RunWholeSetAsync(cancellationToken, $"""
            CREATE TEMP TABLE stage_work AS
            SELECT row_number() OVER () AS seq, s.file_path, s.file_size, s.mtime_ns, s.mod_time, s.ctime_ns, s.inode, s.dev, r.id AS record_id,
                   coalesce(r.inode = 0 AND r.absent_since IS NULL AND r.file_size = s.file_size AND {BaselineMtimeMatches}, false) AS adopt
            FROM stage_files s
            LEFT JOIN file_records r ON r.repository_id = $1 AND r.file_path = s.file_path
            WHERE r.id IS NULL
               OR (r.file_size, r.mtime_ns, r.ctime_ns, r.inode) IS DISTINCT FROM (s.file_size, s.mtime_ns, s.ctime_ns, s.inode)
               OR ($2 AND r.content_hash IS NULL AND r.baseline_adopted_at IS NULL)
               OR r.absent_since IS NOT NULL
            """, rootId, hashing).ConfigureAwait(false);
        return await IndexAndCountAsync("stage_work", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Fills in inode, ctime and device of imported baseline records whose size and mtime match the file,
    /// without reading it, and takes them out of the work. Returns how many were adopted.
    /// </summary>
    public async Task<int> AdoptBaselinesAsync(long generation, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            WITH adopted AS (
                UPDATE file_records r SET inode = w.inode, ctime_ns = w.ctime_ns, dev = w.dev, baseline_adopted_at = now(),
                       mtime_ns = w.mtime_ns, mod_time = w.mod_time,
                       last_scanned = now(), scan_generation = $1, updated_at = now()
                FROM stage_work w WHERE w.adopt AND r.id = w.record_id AND r.inode = 0
                RETURNING 1),
            taken AS (DELETE FROM stage_work WHERE adopt)
            SELECT count(*) FROM adopted
            """, connection) { CommandTimeout = 0 };
        command.AddValues(generation);
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>One page of stage_work (seq in (after, after + count]).</summary>
    public async Task<List<StagedFile>> ReadWorkAsync(long after, int count, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT file_path, file_size, mtime_ns, mod_time, ctime_ns, inode, dev FROM stage_work WHERE seq > $1 AND seq <= $2 ORDER BY seq", connection);
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
        await RunWholeSetAsync(cancellationToken, """
            CREATE TEMP TABLE stage_orphans AS
            SELECT row_number() OVER () AS seq, r.id, r.inode, r.file_size, r.mtime_ns
            FROM file_records r
            WHERE r.repository_id = $1 AND r.updated_at < $2 AND r.absent_since IS NULL
              AND ($3 = '' OR starts_with(r.file_path, $3 || '/'))
              AND NOT EXISTS (SELECT 1 FROM stage_files s WHERE s.file_path = r.file_path)
              AND NOT EXISTS (SELECT 1 FROM stage_blocked b WHERE starts_with(r.file_path, b.prefix))
            """, rootId, passStart, scope).ConfigureAwait(false);
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
        await RunWholeSetAsync(cancellationToken, """
            CREATE TEMP TABLE stage_moves AS
            SELECT row_number() OVER () AS seq, o.id, o.seq AS orphan_seq, w.seq AS work_seq, w.file_path, w.ctime_ns, w.inode, w.dev
            FROM (SELECT *, count(*) OVER (PARTITION BY inode, file_size, mtime_ns) AS n FROM stage_orphans WHERE inode <> 0) o
            JOIN (SELECT *, count(*) OVER (PARTITION BY inode, file_size, mtime_ns) AS n FROM stage_work WHERE record_id IS NULL) w
              ON (w.inode, w.file_size, w.mtime_ns) = (o.inode, o.file_size, o.mtime_ns)
            WHERE o.n = 1 AND w.n = 1
            """).ConfigureAwait(false);
        await ExecuteAsync("DELETE FROM stage_work WHERE seq IN (SELECT work_seq FROM stage_moves)", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync("DELETE FROM stage_orphans WHERE seq IN (SELECT orphan_seq FROM stage_moves)", cancellationToken).ConfigureAwait(false);
        return await IndexAndCountAsync("stage_moves", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Moves one slice of stage_moves' records to their new paths, keeping id, hash, created_at, access
    /// columns and tier state; returns how many moved.
    /// </summary>
    public async Task<int> ApplyMovesAsync(long after, int count, long generation, DateTimeOffset passStart, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            UPDATE file_records r SET file_path = m.file_path, ctime_ns = m.ctime_ns, inode = m.inode, dev = m.dev,
                   last_scanned = now(), scan_generation = $3, updated_at = now(), updated_utc = now()
            FROM stage_moves m
            WHERE m.seq > $1 AND m.seq <= $2 AND r.id = m.id AND r.updated_at < $4 AND r.absent_since IS NULL
            """, connection);
        command.AddValues(after, after + count, generation, passStart);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Present records of the root (what a removal threshold is a share of).</summary>
    public async Task<long> CountPresentAsync(Guid rootId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT count(*) FROM file_records WHERE repository_id = $1 AND absent_since IS NULL", connection) { CommandTimeout = 0 };
        command.AddValues(rootId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Removes one slice of stage_orphans in its own short transaction: records holding tiering or access
    /// history are kept and marked absent, the rest are deleted. Returns (marked absent, deleted).
    /// </summary>
    public async Task<(int Kept, int Deleted)> RemoveOrphansAsync(long after, int count, DateTimeOffset passStart, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            WITH o AS (SELECT id FROM stage_orphans WHERE seq > $1 AND seq <= $2),
            kept AS (
                UPDATE file_records r SET absent_since = now(), updated_at = now()
                FROM o WHERE r.id = o.id AND r.updated_at < $3 AND r.absent_since IS NULL AND {RecordSql.HoldsHistory}
                RETURNING 1),
            deleted AS (
                DELETE FROM file_records r USING o
                WHERE r.id = o.id AND r.updated_at < $3 AND NOT {RecordSql.HoldsHistory}
                RETURNING 1)
            SELECT (SELECT count(*) FROM kept), (SELECT count(*) FROM deleted)
            """, connection);
        command.AddValues(after, after + count, passStart);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return ((int)reader.GetInt64(0), (int)reader.GetInt64(1));
    }

    /// <summary>The highest seq of a stage table (rows taken out leave gaps; slices run up to this).</summary>
    public async Task<long> MaxSeqAsync(string table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT coalesce(max(seq), 0) FROM pg_temp.{table}", connection);
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

        await using var command = new NpgsqlCommand("SELECT reltuples FROM pg_class WHERE oid = 'file_records'::regclass", connection);
        float estimate = (float)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        if (estimate < 0 || changedRows > estimate * 0.1)
        {
            await using var analyze = new NpgsqlCommand("ANALYZE file_records", connection) { CommandTimeout = 0 };
            await analyze.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task DropAsync()
    {
        if (connection.State == System.Data.ConnectionState.Open)
        {
            try
            {
                await ExecuteAsync("DROP TABLE IF EXISTS pg_temp.stage_files, pg_temp.stage_blocked, pg_temp.stage_work, pg_temp.stage_orphans, pg_temp.stage_moves", CancellationToken.None).ConfigureAwait(false);
            }
            catch (NpgsqlException)
            {
                // A broken connection takes its temporary tables with it.
            }
        }
    }

    private async Task<long> IndexAndCountAsync(string table, CancellationToken cancellationToken)
    {
        await ExecuteAsync($"CREATE INDEX ON pg_temp.{table} (seq)", cancellationToken).ConfigureAwait(false);
        await using var count = new NpgsqlCommand($"SELECT count(*) FROM pg_temp.{table}", connection) { CommandTimeout = 0 };
        return (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private async Task RunWholeSetAsync(CancellationToken cancellationToken, string sql, params object?[] parameters)
    {
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var settings = new NpgsqlCommand(PlanSettings, connection, transaction))
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
