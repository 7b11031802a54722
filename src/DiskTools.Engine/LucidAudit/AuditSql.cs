using static DiskTools.Engine.LucidAudit.AuditActionSql;

namespace DiskTools.Engine.LucidAudit;

/// <summary>
/// The SQL of audit ingest (Watch-LucidAudit): staging events under their cursors, applying them to the
/// inventory, and retention of staged rows. Its statements live only here; the callers bind parameters and
/// own transactions and batching. Statements that name action codes are read-only fields (the codes come
/// from <see cref="AuditAction"/>, not literals), the others constants.
/// </summary>
internal static class AuditSql
{
    /// <summary>
    /// Binary COPY of staged events; the column order is the one <see cref="StagingCopyEncoder"/> writes.
    /// </summary>
    public const string CopyStaging = """
        COPY staging_lucid_audit (cursor_id, line_number, event_utc, action, entry_path, entry_digest, target_path, user_name) FROM STDIN (FORMAT BINARY)
        """;

    /// <summary>
    /// Claims the volume for the tenant on first use and returns its owner: the claim when it was new, the stored owner otherwise.
    /// </summary>
    public const string ClaimVolumeOwner = """
        WITH claimed AS (
            INSERT INTO lucid_audit_volumes (volume_id, tenant_id) VALUES ($1, $2) ON CONFLICT (volume_id) DO NOTHING
            RETURNING tenant_id)
        SELECT tenant_id FROM claimed
        UNION ALL
        SELECT tenant_id FROM lucid_audit_volumes WHERE volume_id = $1
        LIMIT 1
        """;

    /// <summary>
    /// Every cursor of a volume, with whether it has staged events not yet applied and whether it is set aside.
    /// </summary>
    public const string LoadCursors = """
        SELECT id, node_id, begin_stem, audit_file, staged_position, staged_line, fingerprint, fingerprint_length,
               staged_line > last_event_id OR staged_position > last_position, set_aside_utc IS NOT NULL
        FROM lucid_audit_cursor WHERE tenant_id = $1 AND volume_id = $2
        """;

    /// <summary>
    /// Creates cursors at the start of logs seen for the first time; a cursor that already exists is left as it is.
    /// </summary>
    public const string CreateCursors = """
        INSERT INTO lucid_audit_cursor (tenant_id, volume_id, node_id, begin_stem, audit_file)
        SELECT $1, $2, n, s, f FROM unnest($3::text[], $4::text[], $5::text[]) AS t(n, s, f)
        ON CONFLICT ON CONSTRAINT lucid_audit_cursor_key DO NOTHING
        """;

    /// <summary>
    /// Sets a log aside once: only the first caller changes the row, so only it reports the log.
    /// </summary>
    public const string SetCursorAside = """
        UPDATE lucid_audit_cursor SET set_aside_utc = now(), set_aside_reason = $2 WHERE id = $1 AND set_aside_utc IS NULL
        """;

    /// <summary>
    /// Savepoint before a chunk's COPY, so events PostgreSQL refuses can be isolated without losing the transaction.
    /// </summary>
    public const string SavepointStageChunk = """
        SAVEPOINT stage_chunk
        """;

    /// <summary>
    /// Records a staged chunk and its age, for retention (staged rows carry no timestamp of their own).
    /// </summary>
    public const string RecordStagedChunk = """
        INSERT INTO lucid_audit_staged_chunks (cursor_id, first_line, last_line) VALUES ($1, $2, $3)
        """;

    /// <summary>
    /// Moves the staged position only from where this reader found it: no row changed means another process moved it.
    /// </summary>
    public const string MoveStagedPosition = """
        UPDATE lucid_audit_cursor
        SET staged_position = $2, staged_line = $3, fingerprint = $4, fingerprint_length = $5, audit_file = $6
        WHERE id = $1 AND staged_position = $7 AND staged_line = $8
        """;

    /// <summary>
    /// Undoes a chunk's refused COPY, keeping the transaction.
    /// </summary>
    public const string RollbackStageChunk = """
        ROLLBACK TO SAVEPOINT stage_chunk
        """;

    /// <summary>
    /// Retention works on staged chunks (one row per staging transaction), so a pass with nothing old
    /// reads a small table and deletes nothing; an old, applied chunk's rows go by primary-key range.
    /// </summary>
    public const string RemoveOldStaging = """
        WITH old AS (
            DELETE FROM lucid_audit_staged_chunks k
            USING lucid_audit_cursor c
            WHERE c.id = k.cursor_id AND c.tenant_id = $1 AND c.volume_id = $2
              AND k.staged_utc < now() - $3::interval AND k.last_line <= c.last_event_id
            RETURNING k.cursor_id, k.first_line, k.last_line)
        DELETE FROM staging_lucid_audit s
        USING old
        WHERE s.cursor_id = old.cursor_id AND s.line_number BETWEEN old.first_line AND old.last_line
        """;

    /// <summary>
    /// A round can hold a million events: with the default 4 MB the aggregate and the joins of the apply spill to
    /// disk in many batches; this transaction's hash tables fit in memory instead (it ends with the transaction).
    /// </summary>
    public const string RaiseWorkMemory = """
        SET LOCAL work_mem = '256MB'
        """;

    /// <summary>
    /// The cursors as they are now, locked: the pending set and the final cursor move use the same bounds.
    /// </summary>
    public const string LockPendingCursors = """
        SELECT 1 FROM lucid_audit_cursor WHERE tenant_id = $1 AND volume_id = $2 AND staged_line > last_event_id FOR UPDATE
        """;

    /// <summary>
    /// The locked cursors' bounds, kept for the final move of their applied positions.
    /// </summary>
    public const string CopyPendingCursors = """
        CREATE TEMP TABLE lucid_apply_cursors ON COMMIT DROP AS
        SELECT id, volume_id, last_event_id, staged_line, staged_position
        FROM lucid_audit_cursor
        WHERE tenant_id = $1 AND volume_id = $2 AND staged_line > last_event_id
        """;

    /// <summary>
    /// How many lines are pending: the planner cannot know it (the cursor and staging rows are usually too
    /// fresh for their statistics), so the caller decides from this whether a round is large.
    /// </summary>
    public const string CountPendingLines = """
        SELECT coalesce(sum(staged_line - last_event_id), 0)::bigint FROM lucid_apply_cursors
        """;

    /// <summary>
    /// The leader of the parallel join that fills lucid_pending also writes every joined row into the temp table.
    /// Left to that (and collecting), it no longer holds up the workers: on two cores this CTAS took 1.64 s
    /// instead of 1.82 s (mean of five alternating runs).
    /// </summary>
    public const string LetWorkersJoin = """
        SET LOCAL enable_nestloop = off; SET LOCAL parallel_leader_participation = off
        """;

    /// <summary>
    /// Only what the updates read: paths and user names stay in staging and are joined back by key for the
    /// few events that need them (moves, directory deletes, unmatched, warming), which keeps this table narrow.
    /// The bounds come from the (locked, so unchanged) cursor rows rather than the temp copy: a query
    /// that reads no temp table may run in parallel, and this join of every pending event with the
    /// inventory is the largest read of the apply.
    /// </summary>
    public static readonly string CreatePendingEvents = $$"""
        CREATE TEMP TABLE lucid_pending ON COMMIT DROP AS
        SELECT s.cursor_id, s.line_number, s.event_utc, s.action, r.id AS record_id, false AS handled
        FROM lucid_audit_cursor c
        JOIN staging_lucid_audit s ON s.cursor_id = c.id AND s.line_number > c.last_event_id AND s.line_number <= c.staged_line
        LEFT JOIN file_records r ON s.action NOT IN ({{DirectoryDelete}}, {{Move}}) AND r.repository_id = c.volume_id AND r.path_digest = s.entry_digest
        WHERE c.tenant_id = $1 AND c.volume_id = $2 AND c.staged_line > c.last_event_id
        """;

    /// <summary>
    /// Undoes <see cref="LetWorkersJoin"/> for the rest of the transaction.
    /// </summary>
    public const string ResetWorkersJoin = """
        RESET enable_nestloop; RESET parallel_leader_participation
        """;

    /// <summary>
    /// Fresh statistics for the pending set, so the steps after it are planned for its real size.
    /// </summary>
    public const string AnalyzePendingEvents = """
        ANALYZE lucid_pending
        """;

    /// <summary>
    /// A directory delete is a delete, at its time, of every record beneath the directory: those go
    /// into the pending set as deletes of their records, so the update weighs them against
    /// the creates and writes of the same records by time (a write before the delete does not bring
    /// a record back, a create after it does). The directory event itself is then handled.
    /// </summary>
    public static readonly string ExpandDirectoryDeletes = $$"""
        WITH d AS (
            SELECT p.cursor_id, p.line_number, p.event_utc, s.entry_path FROM lucid_pending p
            JOIN staging_lucid_audit s ON s.cursor_id = p.cursor_id AND s.line_number = p.line_number
            WHERE p.action = {{DirectoryDelete}}),
        beneath AS (
            INSERT INTO lucid_pending (cursor_id, line_number, event_utc, action, record_id, handled)
            SELECT d.cursor_id, d.line_number, d.event_utc, {{FileDelete}}, r.id, true
            FROM d JOIN file_records r ON r.repository_id = $1 AND starts_with(r.file_path, d.entry_path || '/')
            RETURNING cursor_id, line_number)
        UPDATE lucid_pending p SET handled = true
        FROM (SELECT DISTINCT cursor_id, line_number FROM beneath) b
        WHERE p.action = {{DirectoryDelete}} AND p.cursor_id = b.cursor_id AND p.line_number = b.line_number
        """;

    /// <summary>
    /// Sorts the pending events by record and merges them with the inventory in id order (no hash tables):
    /// faster than hashing when the inventory's pages follow its ids (see the caller for when).
    /// </summary>
    public const string PreferIdOrderWalk = """
        SET LOCAL enable_hashagg = off; SET LOCAL enable_hashjoin = off
        """;

    /// <summary>
    /// Undoes <see cref="PreferIdOrderWalk"/> for the rest of the transaction.
    /// </summary>
    public const string ResetIdOrderWalk = """
        RESET enable_hashagg; RESET enable_hashjoin
        """;

    /// <summary>
    /// Moves each locked cursor's applied position to where it was staged.
    /// </summary>
    public const string MoveAppliedPositions = """
        UPDATE lucid_audit_cursor c
        SET last_position = a.staged_position, last_event_id = a.staged_line, last_processed_utc = now()
        FROM lucid_apply_cursors a WHERE c.id = a.id
        """;

    /// <summary>
    /// Lines that staged nothing (blank, malformed, ignored) at the end of a log still move its applied position.
    /// </summary>
    public const string MovePastSkippedLines = """
        UPDATE lucid_audit_cursor
        SET last_position = staged_position, last_processed_utc = now()
        WHERE tenant_id = $1 AND volume_id = $2 AND staged_line = last_event_id AND last_position <> staged_position
        """;

    /// <summary>
    /// Pending moves in event order: a chain a→b→c must run in sequence.
    /// </summary>
    public static readonly string ReadPendingMoves = $$"""
        SELECT p.cursor_id, p.line_number, s.entry_path, s.target_path
        FROM lucid_pending p JOIN staging_lucid_audit s ON s.cursor_id = p.cursor_id AND s.line_number = p.line_number
        WHERE p.action = {{Move}} ORDER BY p.event_utc, p.cursor_id, p.line_number
        """;

    /// <summary>
    /// One move through lucid_audit_move, which also carries whole directories; returns how many records moved.
    /// </summary>
    public const string MoveEntry = """
        SELECT lucid_audit_move($1, $2, $3)
        """;

    /// <summary>
    /// Marks the moves that moved something as handled.
    /// </summary>
    public const string MarkMovesHandled = """
        UPDATE lucid_pending p SET handled = true
        FROM unnest($1::bigint[], $2::bigint[]) AS m(c, l) WHERE p.cursor_id = m.c AND p.line_number = m.l
        """;

    /// <summary>
    /// Events naming the new path of a move are resolved again after the moves.
    /// </summary>
    public static readonly string ResolveAfterMoves = $$"""
        UPDATE lucid_pending p SET record_id = r.id
        FROM staging_lucid_audit s, file_records r
        WHERE p.record_id IS NULL AND p.action NOT IN ({{DirectoryDelete}}, {{Move}})
          AND s.cursor_id = p.cursor_id AND s.line_number = p.line_number
          AND r.repository_id = $1 AND r.path_digest = s.entry_digest
        """;

    /// <summary>
    /// Queues the unmatched events and counts them (with a sample path) in one scan of the pending set.
    /// </summary>
    public const string QueueUnmatched = """
        WITH u AS MATERIALIZED (
            SELECT p.cursor_id, p.line_number, p.event_utc, p.action, s.entry_path, s.target_path, s.user_name
            FROM lucid_pending p
            JOIN staging_lucid_audit s ON s.cursor_id = p.cursor_id AND s.line_number = p.line_number
            WHERE p.record_id IS NULL AND NOT p.handled),
        queued AS (
            INSERT INTO lucid_audit_unmatched (cursor_id, line_number, tenant_id, volume_id, event_utc, action, entry_path, target_path, user_name)
            SELECT cursor_id, line_number, $1, $2, event_utc, action, entry_path, target_path, user_name FROM u
            ON CONFLICT (cursor_id, line_number) DO NOTHING)
        SELECT count(*), min(entry_path) FROM u
        """;

    /// <summary>
    /// Pending events per action, and how many of them name no inventory record.
    /// </summary>
    public const string CountPendingByAction = """
        SELECT action, count(*), count(*) FILTER (WHERE record_id IS NULL) FROM lucid_pending GROUP BY action
        """;

    /// <summary>
    /// How closely the inventory's physical order follows its ids, by its last ANALYZE (autovacuum keeps it
    /// current); no row without statistics.
    /// </summary>
    public const string IdOrderCorrelation = """
        SELECT correlation FROM pg_stats
        WHERE schemaname = current_schema() AND tablename = 'file_records' AND attname = 'id'
        """;

    /// <summary>
    /// Whether the volume has any planned or stubbed record at all (one probe of the tier-state index).
    /// </summary>
    public const string AnyWarmableRecord = """
        SELECT EXISTS (SELECT 1 FROM file_records WHERE repository_id = $1 AND tier_state IN ('planned', 'stubbed'))
        """;

    /// <summary>
    /// Accesses to planned or stubbed records, one row per record, for the warming report.
    /// </summary>
    public static readonly string ReadWarming = $$"""
        SELECT r.file_path, r.tier_state::text, count(*), min(p.event_utc), max(p.event_utc),
               array_agg(DISTINCT a.name ORDER BY a.name),
               coalesce(array_agg(DISTINCT s.user_name ORDER BY s.user_name) FILTER (WHERE s.user_name IS NOT NULL), '{}')
        FROM lucid_pending p
        JOIN file_records r ON r.id = p.record_id
        JOIN staging_lucid_audit s ON s.cursor_id = p.cursor_id AND s.line_number = p.line_number
        JOIN lucid_audit_actions a ON a.action = p.action
        WHERE p.action IN ({{FileRead}}, {{FileWritten}}, {{PreHydrate}}) AND r.tier_state IN ('planned', 'stubbed')
        GROUP BY r.id, r.file_path, r.tier_state
        ORDER BY r.file_path
        """;

    /// <summary>
    /// Applies accesses, creates and deletes: the general case. The newest delete and the newest create or
    /// write of a record, from this round and from every earlier one (last_audit_delete_utc,
    /// last_audit_recreate_utc), decide its state: the later of the two wins, so events count by their
    /// time, not by the round or log that carried them. A directory delete arrives here as a delete of
    /// each record beneath it (see <see cref="ExpandDirectoryDeletes"/>).
    /// </summary>
    public static readonly string ApplyWithLifecycle = $$"""
        WITH agg AS (
            SELECT record_id,
                   max(event_utc) FILTER (WHERE action IN ({{FileRead}}, {{FileWritten}})) AS last_access,
                   count(*) FILTER (WHERE action IN ({{FileRead}}, {{FileWritten}})) AS accesses,
                   max(event_utc) FILTER (WHERE action = {{FileDelete}}) AS last_delete,
                   max(event_utc) FILTER (WHERE action IN ({{FileWritten}}, {{FileCreate}})) AS last_recreate
            FROM lucid_pending
            WHERE record_id IS NOT NULL AND action IN ({{FileRead}}, {{FileWritten}}, {{FileCreate}}, {{FileDelete}})
            GROUP BY record_id)
        UPDATE file_records r SET
            last_accessed = GREATEST(r.last_accessed, a.last_access),
            last_accessed_source = CASE WHEN a.last_access > r.last_accessed OR (r.last_accessed IS NULL AND a.last_access IS NOT NULL)
                                        THEN 'lucidlink_audit'::file_access_source ELSE r.last_accessed_source END,
            last_audit_access_utc = GREATEST(r.last_audit_access_utc, a.last_access),
            access_count = r.access_count + a.accesses,
            last_audit_delete_utc = GREATEST(r.last_audit_delete_utc, a.last_delete),
            last_audit_recreate_utc = GREATEST(r.last_audit_recreate_utc, a.last_recreate),
            tier_state = CASE
                WHEN a.last_delete IS NOT NULL
                     AND (r.last_audit_recreate_utc IS NULL OR a.last_delete >= r.last_audit_recreate_utc)
                     AND (a.last_recreate IS NULL OR GREATEST(r.last_audit_delete_utc, a.last_delete) >= a.last_recreate) THEN 'deleted'::file_tier_state
                WHEN r.tier_state = 'deleted' AND a.last_recreate IS NOT NULL
                     AND (GREATEST(r.last_audit_delete_utc, a.last_delete) IS NULL OR a.last_recreate > GREATEST(r.last_audit_delete_utc, a.last_delete)) THEN 'none'::file_tier_state
                ELSE r.tier_state END,
            updated_utc = now()
        FROM agg a
        WHERE r.id = a.record_id
          AND (a.accesses > 0 OR a.last_delete IS NOT NULL OR a.last_recreate IS NOT NULL)
        """;

    /// <summary>
    /// Applies accesses only (FileRead, FileWritten), for rounds without creates or deletes. A write to a
    /// record marked deleted brings it back when it is dated after the delete, as in the general case.
    /// </summary>
    public static readonly string ApplyAccesses = $$"""
        WITH agg AS (
            SELECT record_id, max(event_utc) AS last_access, count(*) AS accesses, max(event_utc) FILTER (WHERE action = {{FileWritten}}) AS last_write
            FROM lucid_pending
            WHERE record_id IS NOT NULL AND action IN ({{FileRead}}, {{FileWritten}})
            GROUP BY record_id)
        UPDATE file_records r SET
            last_accessed = GREATEST(r.last_accessed, a.last_access),
            last_accessed_source = CASE WHEN a.last_access > r.last_accessed OR r.last_accessed IS NULL
                                        THEN 'lucidlink_audit'::file_access_source ELSE r.last_accessed_source END,
            last_audit_access_utc = GREATEST(r.last_audit_access_utc, a.last_access),
            access_count = r.access_count + a.accesses,
            last_audit_recreate_utc = GREATEST(r.last_audit_recreate_utc, a.last_write),
            tier_state = CASE WHEN r.tier_state = 'deleted' AND a.last_write IS NOT NULL
                                   AND (r.last_audit_delete_utc IS NULL OR a.last_write > r.last_audit_delete_utc)
                              THEN 'none'::file_tier_state ELSE r.tier_state END,
            updated_utc = now()
        FROM agg a
        WHERE r.id = a.record_id
        """;
}
