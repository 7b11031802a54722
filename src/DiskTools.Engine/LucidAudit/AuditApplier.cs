using DiskTools.Engine.Storage;
using static DiskTools.Engine.LucidAudit.AuditActionSql;

namespace DiskTools.Engine.LucidAudit;

/// <summary>What one apply transaction did.</summary>
internal sealed record ApplyOutcome(long Applied, long Unmatched, string? SampleUnmatched, IReadOnlyList<WarmingEvent> Warming);

/// <summary>
/// Applies every staged-but-unapplied event of a volume in ONE transaction, set-based, and moves the
/// cursors' applied position in that same transaction: a crash before COMMIT leaves the events pending
/// (the next pass applies them), a crash after leaves nothing to redo, and re-running changes nothing.
/// All pending events of all logs are applied together in timestamp order where order matters (moves),
/// so the outcome does not depend on which log was staged first.
/// </summary>
internal static class AuditApplier
{
    /// <summary>
    /// Pending lines from which a round is planned as a large one: the events are matched to the inventory by
    /// hashing it rather than by an index probe per event (measured: a probe costs about 10 µs, hashing a
    /// million-record inventory about 2 s), and the update walks the inventory in id order when that is its
    /// physical order.
    /// </summary>
    internal const long LargeRoundLines = 100_000;

    /// <summary>
    /// How closely the inventory's physical order must follow its ids (PostgreSQL's correlation statistic)
    /// for the update to walk it in id order: then it reads each page once, in order. Measured on a
    /// shuffled million-record inventory, the same walk took twice as long as the hash plan.
    /// </summary>
    private const double IdOrderCorrelation = 0.9;

    /// <summary>
    /// Applies accesses, creates and deletes: the general case. The newest delete and the newest create or
    /// write of a record, from this round and from every earlier one (last_audit_delete_utc,
    /// last_audit_recreate_utc), decide its state: the later of the two wins, so events count by their
    /// time, not by the round or log that carried them. A directory delete arrives here as a delete of
    /// each record beneath it (see <see cref="ApplyAsync"/>).
    /// </summary>
    private static readonly string UpdateWithLifecycleSql = $$"""
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
    private static readonly string UpdateAccessesSql = $$"""
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

    public static async Task<ApplyOutcome> ApplyAsync(NpgsqlConnection connection, string tenant, Guid rootId, string root, long largeRoundLines, CancellationToken cancellationToken)
    {
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        // A round can hold a million events: with the default 4 MB the aggregate and the joins below spill to
        // disk in many batches; this transaction's hash tables fit in memory instead (it ends with the transaction).
        await connection.ExecuteUnlimitedAsync(null, "SET LOCAL work_mem = '256MB'", cancellationToken).ConfigureAwait(false);

        // The cursors as they are now, locked: the pending set and the final cursor move use the same bounds.
        await connection.ExecuteUnlimitedAsync(null, """
            SELECT 1 FROM lucid_audit_cursor WHERE tenant_id = $1 AND volume_id = $2 AND staged_line > last_event_id FOR UPDATE
            """, cancellationToken, tenant, rootId).ConfigureAwait(false);
        await connection.ExecuteUnlimitedAsync(null, """
            CREATE TEMP TABLE lucid_apply_cursors ON COMMIT DROP AS
            SELECT id, volume_id, last_event_id, staged_line, staged_position
            FROM lucid_audit_cursor
            WHERE tenant_id = $1 AND volume_id = $2 AND staged_line > last_event_id
            """, cancellationToken, tenant, rootId).ConfigureAwait(false);
        // The planner cannot know how much is pending: the cursor rows and staging rows are usually too fresh
        // for their statistics, and it then probes the inventory's index once per event, which for a large
        // backlog is several times slower than hashing the inventory once. The exact count is known here, so a
        // large round is told to hash.
        long pendingLines = (long)(await connection.ScalarUnlimitedAsync("SELECT coalesce(sum(staged_line - last_event_id), 0)::bigint FROM lucid_apply_cursors", cancellationToken).ConfigureAwait(false))!;
        bool large = pendingLines >= largeRoundLines;
        if (large)
        {
            // The leader of the parallel join below also writes every joined row into the temp table. Left to
            // that (and collecting), it no longer holds up the workers: on two cores this CTAS took 1.64 s
            // instead of 1.82 s (mean of five alternating runs).
            await connection.ExecuteUnlimitedAsync(null, "SET LOCAL enable_nestloop = off; SET LOCAL parallel_leader_participation = off", cancellationToken).ConfigureAwait(false);
        }

        // Only what the updates read: paths and user names stay in staging and are joined back by key for the
        // few events that need them (moves, directory deletes, unmatched, warming), which keeps this table narrow.
        // The bounds come from the (locked, so unchanged) cursor rows rather than the temp copy above: a query
        // that reads no temp table may run in parallel, and this join of every pending event with the
        // inventory is the largest read of the apply.
        await connection.ExecuteUnlimitedAsync(null, $$"""
            CREATE TEMP TABLE lucid_pending ON COMMIT DROP AS
            SELECT s.cursor_id, s.line_number, s.event_utc, s.action, r.id AS record_id, false AS handled
            FROM lucid_audit_cursor c
            JOIN staging_lucid_audit s ON s.cursor_id = c.id AND s.line_number > c.last_event_id AND s.line_number <= c.staged_line
            LEFT JOIN file_records r ON s.action NOT IN ({{DirectoryDelete}}, {{Move}}) AND r.repository_id = c.volume_id AND r.path_digest = s.entry_digest
            WHERE c.tenant_id = $1 AND c.volume_id = $2 AND c.staged_line > c.last_event_id
            """, cancellationToken, tenant, rootId).ConfigureAwait(false);
        if (large)
        {
            await connection.ExecuteUnlimitedAsync(null, "RESET enable_nestloop; RESET parallel_leader_participation", cancellationToken).ConfigureAwait(false);
        }

        await connection.ExecuteUnlimitedAsync(null, "ANALYZE lucid_pending", cancellationToken).ConfigureAwait(false);
        // What kinds of events are pending, and whether any lacks a record: each step below that has nothing
        // to do is skipped, since even an empty step scans the whole pending set.
        Dictionary<short, (long Events, long Unresolved)> byAction = await CountByActionAsync(connection, cancellationToken).ConfigureAwait(false);
        long pendingCount = byAction.Values.Sum(c => c.Events);
        bool anyUnresolved = byAction.Values.Any(c => c.Unresolved > 0);
        if (byAction.ContainsKey((short)AuditAction.Move))
        {
            await ApplyMovesAsync(connection, rootId, cancellationToken).ConfigureAwait(false);
        }

        if (byAction.ContainsKey((short)AuditAction.DirectoryDelete))
        {
            // A directory delete is a delete, at its time, of every record beneath the directory: those go
            // into the pending set as deletes of their records, so the update below weighs them against
            // the creates and writes of the same records by time (a write before the delete does not bring
            // a record back, a create after it does). The directory event itself is then handled.
            await connection.ExecuteUnlimitedAsync(null, $$"""
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
                """, cancellationToken, rootId).ConfigureAwait(false);
        }

        IReadOnlyList<WarmingEvent> warming = pendingCount > 0 && await HasWarmableRecordsAsync(connection, rootId, cancellationToken).ConfigureAwait(false)
            ? await ReadWarmingAsync(connection, tenant, root, cancellationToken).ConfigureAwait(false)
            : [];

        long applied = 0, unmatched = 0;
        string? sample = null;
        if (pendingCount > 0)
        {
            // Accesses raise last_accessed (never lower it) and add to the trend; a delete marks the record
            // deleted unless the file was created or written again after it. Records with nothing to change
            // are not written. Without creates or deletes pending, the narrower statement does the same with
            // half the aggregates, which is a good part of its cost for a large round.
            bool lifecycle = byAction.ContainsKey((short)AuditAction.FileCreate) || byAction.ContainsKey((short)AuditAction.FileDelete)
                || byAction.ContainsKey((short)AuditAction.DirectoryDelete);

            // For a large round the planner hashes the per-record aggregate and probes it from a scan of the
            // whole inventory; on a million-record inventory whose pages follow its ids, sorting the pending
            // events by record and merging them with the inventory in id order is about a quarter faster (no
            // hash tables), and each page is still read and written once. Where the pages do not follow the
            // ids, that walk jumps around the table, so the planner's choice stands.
            bool inIdOrder = large && await RecordsLieInIdOrderAsync(connection, cancellationToken).ConfigureAwait(false);
            if (inIdOrder)
            {
                await connection.ExecuteUnlimitedAsync(null, "SET LOCAL enable_hashagg = off; SET LOCAL enable_hashjoin = off", cancellationToken).ConfigureAwait(false);
            }

            await connection.ExecuteUnlimitedAsync(null, lifecycle ? UpdateWithLifecycleSql : UpdateAccessesSql, cancellationToken).ConfigureAwait(false);
            if (inIdOrder)
            {
                await connection.ExecuteUnlimitedAsync(null, "RESET enable_hashagg; RESET enable_hashjoin", cancellationToken).ConfigureAwait(false);
            }

            // Queue the unmatched events and count them in one scan of the pending set; the rest were applied.
            // An unmatched event already lacked a record when the actions were counted (applying moves only
            // fills records in), so when none lacked one this scan is skipped.
            if (anyUnresolved)
            {
                (unmatched, sample) = await QueueUnmatchedAsync(connection, tenant, rootId, cancellationToken).ConfigureAwait(false);
            }

            applied = pendingCount - unmatched;
        }

        await connection.ExecuteUnlimitedAsync(null, """
            UPDATE lucid_audit_cursor c
            SET last_position = a.staged_position, last_event_id = a.staged_line, last_processed_utc = now()
            FROM lucid_apply_cursors a WHERE c.id = a.id
            """, cancellationToken).ConfigureAwait(false);

        // Lines that staged nothing (blank, malformed, ignored) at the end of a log still move its applied position.
        await connection.ExecuteUnlimitedAsync(null, """
            UPDATE lucid_audit_cursor
            SET last_position = staged_position, last_processed_utc = now()
            WHERE tenant_id = $1 AND volume_id = $2 AND staged_line = last_event_id AND last_position <> staged_position
            """, cancellationToken, tenant, rootId).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new ApplyOutcome(applied, unmatched, sample, warming);
    }

    /// <summary>
    /// Moves one at a time in event order (a chain a→b→c must run in sequence), each through
    /// lucid_audit_move, which also carries whole directories. Events naming the old path before the move
    /// were resolved before it; those naming the new path are resolved again afterwards.
    /// </summary>
    private static async Task ApplyMovesAsync(NpgsqlConnection connection, Guid rootId, CancellationToken cancellationToken)
    {
        var moves = new List<(long Cursor, long Line, string From, string To)>();
        await using (var command = new NpgsqlCommand(
            $$"""
            SELECT p.cursor_id, p.line_number, s.entry_path, s.target_path
            FROM lucid_pending p JOIN staging_lucid_audit s ON s.cursor_id = p.cursor_id AND s.line_number = p.line_number
            WHERE p.action = {{Move}} ORDER BY p.event_utc, p.cursor_id, p.line_number
            """, connection) { CommandTimeout = 0 })
        await using (NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                moves.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3)));
            }
        }

        if (moves.Count == 0)
        {
            return;
        }

        var movedCursors = new List<long>();
        var movedLines = new List<long>();
        foreach (var (cursor, line, from, to) in moves)
        {
            await using var command = new NpgsqlCommand("SELECT lucid_audit_move($1, $2, $3)", connection);
            command.AddValues(rootId, from, to);
            if ((long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! > 0)
            {
                movedCursors.Add(cursor);
                movedLines.Add(line);
            }
        }

        await connection.ExecuteUnlimitedAsync(null, """
            UPDATE lucid_pending p SET handled = true
            FROM unnest($1::bigint[], $2::bigint[]) AS m(c, l) WHERE p.cursor_id = m.c AND p.line_number = m.l
            """, cancellationToken, movedCursors.ToArray(), movedLines.ToArray()).ConfigureAwait(false);
        await connection.ExecuteUnlimitedAsync(null, $$"""
            UPDATE lucid_pending p SET record_id = r.id
            FROM staging_lucid_audit s, file_records r
            WHERE p.record_id IS NULL AND p.action NOT IN ({{DirectoryDelete}}, {{Move}})
              AND s.cursor_id = p.cursor_id AND s.line_number = p.line_number
              AND r.repository_id = $1 AND r.path_digest = s.entry_digest
            """, cancellationToken, rootId).ConfigureAwait(false);
    }

    private static async Task<(long Unmatched, string? Sample)> QueueUnmatchedAsync(NpgsqlConnection connection, string tenant, Guid rootId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
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
            """, connection) { CommandTimeout = 0 };
        command.AddValues(tenant, rootId);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1));
    }

    /// <summary>Pending events per action, and how many of them name no inventory record.</summary>
    private static async Task<Dictionary<short, (long Events, long Unresolved)>> CountByActionAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<short, (long, long)>();
        await using var command = new NpgsqlCommand(
            "SELECT action, count(*), count(*) FILTER (WHERE record_id IS NULL) FROM lucid_pending GROUP BY action", connection) { CommandTimeout = 0 };
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            counts[reader.GetInt16(0)] = (reader.GetInt64(1), reader.GetInt64(2));
        }

        return counts;
    }

    /// <summary>
    /// Whether the inventory's rows lie in id order, by the correlation its last ANALYZE measured (autovacuum
    /// keeps it current); without statistics the answer is no.
    /// </summary>
    internal static async Task<bool> RecordsLieInIdOrderAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
        => await connection.ScalarUnlimitedAsync("""
            SELECT correlation FROM pg_stats
            WHERE schemaname = current_schema() AND tablename = 'file_records' AND attname = 'id'
            """, cancellationToken).ConfigureAwait(false) is float correlation && correlation >= IdOrderCorrelation;

    /// <summary>Whether the volume has any planned or stubbed record at all (one probe of the tier-state index).</summary>
    private static async Task<bool> HasWarmableRecordsAsync(NpgsqlConnection connection, Guid rootId, CancellationToken cancellationToken)
        => (bool)(await connection.ScalarUnlimitedAsync("""
            SELECT EXISTS (SELECT 1 FROM file_records WHERE repository_id = $1 AND tier_state IN ('planned', 'stubbed'))
            """, cancellationToken, rootId).ConfigureAwait(false))!;

    private static async Task<IReadOnlyList<WarmingEvent>> ReadWarmingAsync(NpgsqlConnection connection, string tenant, string root, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($$"""
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
            """, connection) { CommandTimeout = 0 };
        var list = new List<WarmingEvent>();
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new WarmingEvent
            {
                Tenant = tenant,
                Root = root,
                Path = reader.GetString(0),
                TierState = reader.GetString(1),
                Accesses = reader.GetInt64(2),
                FirstAccess = reader.GetFieldValue<DateTimeOffset>(3),
                LastAccess = reader.GetFieldValue<DateTimeOffset>(4),
                Actions = reader.GetFieldValue<string[]>(5),
                Users = reader.GetFieldValue<string[]>(6),
            });
        }

        return list;
    }
}
