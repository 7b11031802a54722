namespace DiskTools.Engine.Reconciliation;

/// <summary>
/// Every SQL statement of the reconciliation pass (Invoke-Reconciliation, its scoped passes and -Watch): the
/// pass's temporary stage tables, the writes to file_records shared by full passes and the watcher, the pass's
/// row in sync_operations, the root's recorded identity and the watcher's heartbeat. These statements live only
/// here; the callers bind their parameters and choose transactions, batching and plan settings. Parameters are
/// positional ($1, $2, …), in the order each summary gives.
/// </summary>
internal static class ReconciliationSql
{
    // ---- The pass's stage tables (PassStage), on the pass's own connection ----

    /// <summary>
    /// Settings for the transaction of a whole-set statement (PassStage.RunWholeSetAsync). Its plan must not depend on
    /// how fresh file_records' statistics are: after a large first pass, or a crash, before autovacuum has run,
    /// the planner believes a root holds a handful of records and picks a nested loop that compares every
    /// record with every staged file. These statements compare whole sets, for which a hash or merge join is
    /// always right, so nested loops are off for them. (No statement timeout applies to them, nor to any other
    /// statement of the pass: its connection comes from InventoryDatabase.ConnectForPassAsync.)
    /// </summary>
    public const string WholeSetPlanSettings = "SELECT set_config('enable_nestloop', 'off', true)";

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

    /// <summary>Drops every stage table of the pass (a broken connection takes them with it anyway).</summary>
    public const string DropStageTables = "DROP TABLE IF EXISTS pg_temp.stage_files, pg_temp.stage_blocked, pg_temp.stage_work, pg_temp.stage_orphans, pg_temp.stage_moves";

    /// <summary>
    /// Starts the pass's stage afresh: stage_files holds the walk, stage_blocked the path prefixes under
    /// directories that could not be listed completely. Paths compare in "C" collation, as file_records' do.
    /// </summary>
    public const string CreateStageTables = $"""
        {DropStageTables};
        CREATE TEMP TABLE stage_files (
            file_path text COLLATE "C" NOT NULL, file_size bigint NOT NULL, mtime_ns bigint NOT NULL,
            mod_time timestamptz NOT NULL, ctime_ns bigint NOT NULL, inode bigint NOT NULL, dev bigint NOT NULL);
        CREATE TEMP TABLE stage_blocked (prefix text COLLATE "C" NOT NULL);
        """;

    /// <summary>The binary COPY that streams the walk into stage_files, in the column order PassStage writes.</summary>
    public const string CopyStagedFiles = "COPY stage_files (file_path, file_size, mtime_ns, mod_time, ctime_ns, inode, dev) FROM STDIN (FORMAT BINARY)";

    /// <summary>$1 the incomplete directories, stored as prefixes ('' for the root itself, else 'dir/').</summary>
    public const string BlockIncompleteDirectories = "INSERT INTO stage_blocked SELECT CASE WHEN d = '' THEN '' ELSE d || '/' END FROM unnest($1::text[]) d";

    /// <summary>Statistics for stage_files, so the whole-set statements that join it are planned from its real size.</summary>
    public const string AnalyzeStagedFiles = "ANALYZE pg_temp.stage_files";

    /// <summary>
    /// Builds stage_work ($1 root, $2 hashing): files with no record, files whose size, mtime, ctime or inode
    /// differ from the record (inequality, so a restored file with an older mtime counts), records kept while
    /// their file was absent, and — when hashing — recorded files still without a hash (unless adopted from a
    /// baseline). The device number is recorded but never compared: the same file system mounted again gets
    /// another one, and inode, size and times already say whether the file is the same. A record imported
    /// without an inode whose size and mtime match is marked for adoption (record_id set, adopt true).
    /// </summary>
    public const string BuildWork = $"""
        CREATE TEMP TABLE stage_work AS
        SELECT row_number() OVER () AS seq, s.file_path, s.file_size, s.mtime_ns, s.mod_time, s.ctime_ns, s.inode, s.dev, r.id AS record_id,
               coalesce(r.inode = 0 AND r.absent_since IS NULL AND r.file_size = s.file_size AND {BaselineMtimeMatches}, false) AS adopt
        FROM stage_files s
        LEFT JOIN file_records r ON r.repository_id = $1 AND r.file_path = s.file_path
        WHERE r.id IS NULL
           OR (r.file_size, r.mtime_ns, r.ctime_ns, r.inode) IS DISTINCT FROM (s.file_size, s.mtime_ns, s.ctime_ns, s.inode)
           OR ($2 AND r.content_hash IS NULL AND r.baseline_adopted_at IS NULL)
           OR r.absent_since IS NOT NULL
        """;

    /// <summary>
    /// Fills in inode, ctime and device of imported baseline records whose size and mtime match the file
    /// ($1 generation), without reading it, takes them out of stage_work and returns how many were adopted.
    /// </summary>
    public const string AdoptBaselines = """
        WITH adopted AS (
            UPDATE file_records r SET inode = w.inode, ctime_ns = w.ctime_ns, dev = w.dev, baseline_adopted_at = now(),
                   mtime_ns = w.mtime_ns, mod_time = w.mod_time,
                   last_scanned = now(), scan_generation = $1, updated_at = now()
            FROM stage_work w WHERE w.adopt AND r.id = w.record_id AND r.inode = 0
            RETURNING 1),
        taken AS (DELETE FROM stage_work WHERE adopt)
        SELECT count(*) FROM adopted
        """;

    /// <summary>One page of stage_work: $1 &lt; seq ≤ $2, in seq order.</summary>
    public const string ReadWorkPage = "SELECT file_path, file_size, mtime_ns, mod_time, ctime_ns, inode, dev FROM stage_work WHERE seq > $1 AND seq <= $2 ORDER BY seq";

    /// <summary>
    /// Builds stage_orphans ($1 root, $2 pass start, $3 scope or ''): present records of this root not seen by
    /// the walk, not beneath a directory the walk could not finish, and not written since the pass began (a
    /// watcher may have just added them). Built before anything is written, so a pass can still stop without
    /// having changed a thing.
    /// </summary>
    public const string BuildOrphans = """
        CREATE TEMP TABLE stage_orphans AS
        SELECT row_number() OVER () AS seq, r.id, r.inode, r.file_size, r.mtime_ns
        FROM file_records r
        WHERE r.repository_id = $1 AND r.updated_at < $2 AND r.absent_since IS NULL
          AND ($3 = '' OR starts_with(r.file_path, $3 || '/'))
          AND NOT EXISTS (SELECT 1 FROM stage_files s WHERE s.file_path = r.file_path)
          AND NOT EXISTS (SELECT 1 FROM stage_blocked b WHERE starts_with(r.file_path, b.prefix))
        """;

    /// <summary>
    /// Pairs orphans with new paths that have the same inode, size and mtime — a file (or a directory's
    /// files) moved or renamed within the root — into stage_moves. Only unambiguous pairs: an identity that
    /// occurs twice on either side (hard links) is left as a removal plus an addition.
    /// </summary>
    public const string BuildMoves = """
        CREATE TEMP TABLE stage_moves AS
        SELECT row_number() OVER () AS seq, o.id, o.seq AS orphan_seq, w.seq AS work_seq, w.file_path, w.ctime_ns, w.inode, w.dev
        FROM (SELECT *, count(*) OVER (PARTITION BY inode, file_size, mtime_ns) AS n FROM stage_orphans WHERE inode <> 0) o
        JOIN (SELECT *, count(*) OVER (PARTITION BY inode, file_size, mtime_ns) AS n FROM stage_work WHERE record_id IS NULL) w
          ON (w.inode, w.file_size, w.mtime_ns) = (o.inode, o.file_size, o.mtime_ns)
        WHERE o.n = 1 AND w.n = 1
        """;

    /// <summary>Takes the moved files out of stage_work: they are no additions.</summary>
    public const string TakeMovesFromWork = "DELETE FROM stage_work WHERE seq IN (SELECT work_seq FROM stage_moves)";

    /// <summary>Takes the moved records out of stage_orphans: they are no removals.</summary>
    public const string TakeMovesFromOrphans = "DELETE FROM stage_orphans WHERE seq IN (SELECT orphan_seq FROM stage_moves)";

    /// <summary>
    /// Moves one slice of stage_moves' records ($1 &lt; seq ≤ $2, $3 generation, $4 pass start) to their new
    /// paths, keeping id, hash, created_at, access columns and tier state.
    /// </summary>
    public const string ApplyMoves = """
        UPDATE file_records r SET file_path = m.file_path, ctime_ns = m.ctime_ns, inode = m.inode, dev = m.dev,
               last_scanned = now(), scan_generation = $3, updated_at = now(), updated_utc = now()
        FROM stage_moves m
        WHERE m.seq > $1 AND m.seq <= $2 AND r.id = m.id AND r.updated_at < $4 AND r.absent_since IS NULL
        """;

    /// <summary>Present records of root $1 (what a removal threshold is a share of).</summary>
    public const string CountPresentRecords = "SELECT count(*) FROM file_records WHERE repository_id = $1 AND absent_since IS NULL";

    /// <summary>
    /// Removes one slice of stage_orphans ($1 &lt; seq ≤ $2, $3 pass start): records holding tiering or access
    /// history are kept and marked absent, the rest are deleted. Returns (marked absent, deleted).
    /// </summary>
    public const string RemoveOrphans = $"""
        WITH o AS (SELECT id FROM stage_orphans WHERE seq > $1 AND seq <= $2),
        kept AS (
            UPDATE file_records r SET absent_since = now(), updated_at = now()
            FROM o WHERE r.id = o.id AND r.updated_at < $3 AND r.absent_since IS NULL AND {HoldsHistory}
            RETURNING 1),
        deleted AS (
            DELETE FROM file_records r USING o
            WHERE r.id = o.id AND r.updated_at < $3 AND NOT {HoldsHistory}
            RETURNING 1)
        SELECT (SELECT count(*) FROM kept), (SELECT count(*) FROM deleted)
        """;

    /// <summary>The planner's estimate of file_records' rows (negative when it was never analyzed).</summary>
    public const string EstimateRecordRows = "SELECT reltuples FROM pg_class WHERE oid = 'file_records'::regclass";

    /// <summary>Refreshes file_records' statistics after a pass changed a large share of it.</summary>
    public const string AnalyzeRecords = "ANALYZE file_records";

    // A stage table's name is one of PassStage's own constants (stage_work, stage_orphans, stage_moves),
    // never user input: nothing in it needs quoting.

    /// <summary>The highest seq of a stage table (rows taken out leave gaps; slices run up to this).</summary>
    public static string MaxStageSeq(string table) => $"SELECT coalesce(max(seq), 0) FROM pg_temp.{table}";

    /// <summary>The index that lets a stage table be read and written in seq slices.</summary>
    public static string IndexStageSeq(string table) => $"CREATE INDEX ON pg_temp.{table} (seq)";

    /// <summary>How many rows a stage table holds.</summary>
    public static string CountStageRows(string table) => $"SELECT count(*) FROM pg_temp.{table}";

    // ---- Writes to file_records, shared by full passes and the watcher (RecordWriter) ----

    /// <summary>
    /// A record whose loss could not be undone by a rescan: a tier state, or access history. When its file is
    /// gone it is kept and marked absent (absent_since), never deleted.
    /// </summary>
    private const string HoldsHistory = "(r.tier_state <> 'none' OR r.access_count > 0 OR r.last_accessed IS NOT NULL)";

    /// <summary>
    /// The upsert tail. The WHERE makes an upsert of an unchanged file a no-op that writes no row version;
    /// a stat change replaces the hash with the new one (or NULL when not hashed), while a hash arriving for
    /// an unchanged stat fills it in. The device number is written but not compared (a remount changes it,
    /// not the file). A record kept while its file was absent is present again. Counts come back as (added, updated).
    /// </summary>
    private const string UpsertTail = """
        ON CONFLICT (repository_id, path_digest) DO UPDATE SET
            file_size = EXCLUDED.file_size, mod_time = EXCLUDED.mod_time, mtime_ns = EXCLUDED.mtime_ns,
            ctime_ns = EXCLUDED.ctime_ns, inode = EXCLUDED.inode, dev = EXCLUDED.dev,
            content_hash = CASE
                WHEN (r.file_size, r.mtime_ns, r.ctime_ns, r.inode) = (EXCLUDED.file_size, EXCLUDED.mtime_ns, EXCLUDED.ctime_ns, EXCLUDED.inode)
                THEN coalesce(EXCLUDED.content_hash, r.content_hash)
                ELSE EXCLUDED.content_hash END,
            baseline_adopted_at = CASE
                WHEN (r.file_size, r.mtime_ns, r.ctime_ns, r.inode) = (EXCLUDED.file_size, EXCLUDED.mtime_ns, EXCLUDED.ctime_ns, EXCLUDED.inode)
                THEN r.baseline_adopted_at END,
            absent_since = NULL,
            last_scanned = now(), scan_generation = EXCLUDED.scan_generation, updated_at = now()
        WHERE (r.file_size, r.mtime_ns, r.ctime_ns, r.inode) IS DISTINCT FROM (EXCLUDED.file_size, EXCLUDED.mtime_ns, EXCLUDED.ctime_ns, EXCLUDED.inode)
           OR (EXCLUDED.content_hash IS NOT NULL AND r.content_hash IS DISTINCT FROM EXCLUDED.content_hash)
           OR r.absent_since IS NOT NULL
        -- A partitioned table returns no system columns (xmax): a record this transaction created carries its
        -- start time, which no record written before it can.
        RETURNING (r.created_at = now()) AS inserted)
        SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written
        """;

    private const string Columns = "(repository_id, file_path, file_size, mod_time, mtime_ns, ctime_ns, inode, dev, content_hash, last_scanned, scan_generation)";

    /// <summary>
    /// Upsert from client arrays: $1 root, $2 generation, $3.. path, size, mod_time, mtime, ctime, inode, dev,
    /// hash arrays. mod_time comes as the client computed it (Traversal.FileTimestamp), never derived from mtime_ns,
    /// which cannot hold times past 2262.
    /// </summary>
    public const string UpsertArrays = $"""
        WITH written AS (
        INSERT INTO file_records AS r {Columns}
        SELECT $1, file_path, file_size, mod_time, mtime_ns, ctime_ns, inode, dev, content_hash, now(), $2
        FROM unnest($3::text[], $4::bigint[], $5::timestamptz[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::text[])
             AS u (file_path, file_size, mod_time, mtime_ns, ctime_ns, inode, dev, content_hash)
        {UpsertTail}
        """;

    /// <summary>Upsert a slice of the pass's work table without shipping rows back and forth: $3 &lt; seq ≤ $4.</summary>
    public const string UpsertFromWork = $"""
        WITH written AS (
        INSERT INTO file_records AS r {Columns}
        SELECT $1, file_path, file_size, mod_time, mtime_ns, ctime_ns, inode, dev, NULL, now(), $2
        FROM pg_temp.stage_work WHERE seq > $3 AND seq <= $4
        {UpsertTail}
        """;

    /// <summary>Records of root $1 at the paths $2 themselves.</summary>
    private const string RecordsAtPaths = "r.repository_id = $1 AND r.path_digest = ANY (SELECT disktools_path_digest(p) FROM unnest($2::text[]) p)";

    /// <summary>Records of root $1 at the paths $2 and everything beneath them.</summary>
    private const string RecordsAtOrBeneathPaths = "r.id IN (SELECT f.id FROM file_records f, unnest($2::text[]) p WHERE f.repository_id = $1 AND (f.file_path = p OR starts_with(f.file_path, p || '/')))";

    /// <summary>
    /// Removes the records of root $1 at the paths $2 (with <paramref name="subtree"/>, everything beneath them
    /// too): records holding tiering or access history are kept and marked absent, the rest deleted. Returns
    /// how many records were removed either way.
    /// </summary>
    public static string RemoveRecords(bool subtree)
    {
        string match = subtree ? RecordsAtOrBeneathPaths : RecordsAtPaths;
        return $"""
            WITH kept AS (
                UPDATE file_records r SET absent_since = now(), updated_at = now()
                WHERE {match} AND r.absent_since IS NULL AND {HoldsHistory}
                RETURNING 1),
            deleted AS (
                DELETE FROM file_records r WHERE {match} AND NOT {HoldsHistory}
                RETURNING 1)
            SELECT (SELECT count(*) FROM kept) + (SELECT count(*) FROM deleted)
            """;
    }

    // ---- The pass's row in sync_operations (OperationLog). Every timestamp is the database's own clock ----

    /// <summary>The columns OperationLog reads an operation from, in its order (o is the operation, p its root).</summary>
    private const string OperationColumns = """
        SELECT o.id, o.repository_id, p.root_path, o.operation_type, o.files_scanned, o.files_added, o.files_updated,
               o.files_removed, o.files_deferred, o.start_time, o.end_time, o.duration_ms, o.status, o.error_message, o.files_moved
        """;

    /// <summary>Every operation with its root; Get-ReconciliationOperation's listing adds its filter and order to it.</summary>
    public const string SelectOperations = $"""
        {OperationColumns}
        FROM sync_operations o JOIN repositories p ON p.id = o.repository_id
        """;

    /// <summary>The operation written by the CTE o of the statement this ends, read as <see cref="SelectOperations"/> reads one.</summary>
    private const string SelectWrittenOperation = $"""
        {OperationColumns}
        FROM o JOIN repositories p ON p.id = o.repository_id
        """;

    /// <summary>Starts an operation ($1 root, $2 type) as 'running' and returns it.</summary>
    public const string StartOperation = $"""
        WITH o AS (INSERT INTO sync_operations (repository_id, operation_type, status) VALUES ($1, $2, 'running') RETURNING *)
        {SelectWrittenOperation}
        """;

    /// <summary>
    /// Closes operation $1 with its counts ($2 scanned … $6 deferred, $9 moved), $7 status and $8 error: end
    /// time and duration from the database clock. Returns it.
    /// </summary>
    public const string FinishOperation = $"""
        WITH o AS (
            UPDATE sync_operations SET files_scanned = $2, files_added = $3, files_updated = $4, files_removed = $5,
                   files_deferred = $6, status = $7, error_message = $8, files_moved = $9, end_time = clock_timestamp(),
                   duration_ms = (extract(epoch FROM clock_timestamp() - start_time) * 1000)::bigint
            WHERE id = $1 RETURNING *)
        {SelectWrittenOperation}
        """;

    /// <summary>
    /// Marks root $1's passes left 'running' by a process or connection that died as failed. Only run while
    /// holding the root's pass lock, so none of them can still be running; the watcher's realtime operation is
    /// not a pass and is left alone.
    /// </summary>
    public const string FailAbandonedOperations = """
        UPDATE sync_operations SET status = 'failed', end_time = coalesce(end_time, clock_timestamp()),
               error_message = coalesce(error_message, 'Interrupted: the process or its database connection ended before the pass finished.')
        WHERE repository_id = $1 AND status = 'running' AND operation_type <> 'realtime'
        """;

    /// <summary>Drops operation $1: a realtime operation that recorded no change is not worth a row.</summary>
    public const string DeleteOperation = "DELETE FROM sync_operations WHERE id = $1";

    // ---- The root's identity at its last pass (RootGuard) ----

    /// <summary>File system type, file system id and inode of root $1 at its last pass (NULLs before the first).</summary>
    public const string ReadRootIdentity = "SELECT root_fs_type, root_fs_id, root_inode FROM repositories WHERE id = $1";

    /// <summary>Records root $1's identity now: $2 file system type, $3 file system id, $4 inode.</summary>
    public const string WriteRootIdentity = "UPDATE repositories SET root_fs_type = $2, root_fs_id = $3, root_inode = $4, root_identity_utc = now() WHERE id = $1";

    // ---- The watcher's row in repository_watchers (WatcherHeartbeat) ----

    /// <summary>
    /// Refreshes the watcher's row ($1 root, $2 host, $3 process, $4 stale after, $5 next reconciliation).
    /// started_at is kept while the same process beats, and restarts when another process takes the root over.
    /// </summary>
    public const string BeatWatcher = """
        INSERT INTO repository_watchers (repository_id, host_name, process_id, stale_after, next_reconciliation)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (repository_id) DO UPDATE SET heartbeat_at = now(), host_name = EXCLUDED.host_name,
            process_id = EXCLUDED.process_id, stale_after = EXCLUDED.stale_after,
            next_reconciliation = EXCLUDED.next_reconciliation,
            started_at = CASE WHEN repository_watchers.process_id = EXCLUDED.process_id AND repository_watchers.host_name = EXCLUDED.host_name
                              THEN repository_watchers.started_at ELSE now() END
        """;

    /// <summary>Deletes the watcher's row on a clean stop ($1 root, $2 host, $3 process): only its own.</summary>
    public const string RemoveWatcher = "DELETE FROM repository_watchers WHERE repository_id = $1 AND host_name = $2 AND process_id = $3";

    /// <summary>Host and process of root $1's watcher.</summary>
    public const string DescribeWatcher = "SELECT host_name, process_id FROM repository_watchers WHERE repository_id = $1";
}
