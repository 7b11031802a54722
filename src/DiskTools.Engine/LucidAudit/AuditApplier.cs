using DiskTools.Engine.Storage;

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

    public static async Task<ApplyOutcome> ApplyAsync(NpgsqlConnection connection, string tenant, Guid rootId, string root, long largeRoundLines, CancellationToken cancellationToken)
    {
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        await connection.ExecuteUnlimitedAsync(null, AuditSql.RaiseWorkMemory, cancellationToken).ConfigureAwait(false);

        await connection.ExecuteUnlimitedAsync(null, AuditSql.LockPendingCursors, cancellationToken, tenant, rootId).ConfigureAwait(false);
        await connection.ExecuteUnlimitedAsync(null, AuditSql.CopyPendingCursors, cancellationToken, tenant, rootId).ConfigureAwait(false);
        // The planner cannot know how much is pending: the cursor rows and staging rows are usually too fresh
        // for their statistics, and it then probes the inventory's index once per event, which for a large
        // backlog is several times slower than hashing the inventory once. The exact count is known here, so a
        // large round is told to hash.
        long pendingLines = (long)(await connection.ScalarUnlimitedAsync(AuditSql.CountPendingLines, cancellationToken).ConfigureAwait(false))!;
        bool large = pendingLines >= largeRoundLines;
        if (large)
        {
            await connection.ExecuteUnlimitedAsync(null, AuditSql.LetWorkersJoin, cancellationToken).ConfigureAwait(false);
        }

        await connection.ExecuteUnlimitedAsync(null, AuditSql.CreatePendingEvents, cancellationToken, tenant, rootId).ConfigureAwait(false);
        if (large)
        {
            await connection.ExecuteUnlimitedAsync(null, AuditSql.ResetWorkersJoin, cancellationToken).ConfigureAwait(false);
        }

        await connection.ExecuteUnlimitedAsync(null, AuditSql.AnalyzePendingEvents, cancellationToken).ConfigureAwait(false);
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
            await connection.ExecuteUnlimitedAsync(null, AuditSql.ExpandDirectoryDeletes, cancellationToken, rootId).ConfigureAwait(false);
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
                await connection.ExecuteUnlimitedAsync(null, AuditSql.PreferIdOrderWalk, cancellationToken).ConfigureAwait(false);
            }

            await connection.ExecuteUnlimitedAsync(null, lifecycle ? AuditSql.ApplyWithLifecycle : AuditSql.ApplyAccesses, cancellationToken).ConfigureAwait(false);
            if (inIdOrder)
            {
                await connection.ExecuteUnlimitedAsync(null, AuditSql.ResetIdOrderWalk, cancellationToken).ConfigureAwait(false);
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

        await connection.ExecuteUnlimitedAsync(null, AuditSql.MoveAppliedPositions, cancellationToken).ConfigureAwait(false);

        await connection.ExecuteUnlimitedAsync(null, AuditSql.MovePastSkippedLines, cancellationToken, tenant, rootId).ConfigureAwait(false);
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
            AuditSql.ReadPendingMoves, connection) { CommandTimeout = 0 })
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
            await using var command = new NpgsqlCommand(AuditSql.MoveEntry, connection);
            command.AddValues(rootId, from, to);
            if ((long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! > 0)
            {
                movedCursors.Add(cursor);
                movedLines.Add(line);
            }
        }

        await connection.ExecuteUnlimitedAsync(null, AuditSql.MarkMovesHandled, cancellationToken, movedCursors.ToArray(), movedLines.ToArray()).ConfigureAwait(false);
        await connection.ExecuteUnlimitedAsync(null, AuditSql.ResolveAfterMoves, cancellationToken, rootId).ConfigureAwait(false);
    }

    private static async Task<(long Unmatched, string? Sample)> QueueUnmatchedAsync(NpgsqlConnection connection, string tenant, Guid rootId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(AuditSql.QueueUnmatched, connection) { CommandTimeout = 0 };
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
            AuditSql.CountPendingByAction, connection) { CommandTimeout = 0 };
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
        => await connection.ScalarUnlimitedAsync(AuditSql.IdOrderCorrelation, cancellationToken).ConfigureAwait(false) is float correlation && correlation >= IdOrderCorrelation;

    /// <summary>Whether the volume has any planned or stubbed record at all (one probe of the tier-state index).</summary>
    private static async Task<bool> HasWarmableRecordsAsync(NpgsqlConnection connection, Guid rootId, CancellationToken cancellationToken)
        => (bool)(await connection.ScalarUnlimitedAsync(AuditSql.AnyWarmableRecord, cancellationToken, rootId).ConfigureAwait(false))!;

    private static async Task<IReadOnlyList<WarmingEvent>> ReadWarmingAsync(NpgsqlConnection connection, string tenant, string root, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(AuditSql.ReadWarming, connection) { CommandTimeout = 0 };
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
