using DiskTools.Engine.Storage;

namespace DiskTools.Engine.LucidAudit;

/// <summary>A cursor row: its id (which staging and unmatched rows refer to) and its staged position.</summary>
/// <param name="Unapplied">True when lines were staged but not yet applied (a pass died before its apply).</param>
/// <param name="SetAside">True when the log was found rewritten or replaced and is no longer read (reported once, when that was found).</param>
internal sealed record StoredCursor(long Id, AuditCursor Staged, bool Unapplied = false, bool SetAside = false);

/// <summary>
/// Reads and advances lucid_audit_cursor, and stages events. Staging a chunk is one transaction: the binary
/// COPY of its events and the move of the cursor's staged position, conditional on the position being what
/// this process read from (so two processes can never stage the same lines twice).
/// </summary>
internal static class AuditCursorStore
{
    /// <summary>Claims the volume for the tenant on first use; refuses a volume another tenant owns.</summary>
    public static async Task EnsureOwnerAsync(NpgsqlConnection connection, string tenant, Guid rootId, string root, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(AuditSql.ClaimVolumeOwner, connection);
        command.AddValues(rootId, tenant);
        string owner = (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        if (!string.Equals(owner, tenant, StringComparison.Ordinal))
        {
            throw new DiskToolsException(ErrorIds.LucidAuditRootOwnedByOtherTenant, ErrorKind.PermissionDenied,
                $"The audit trail of '{root}' is ingested for tenant '{owner}', not '{tenant}'; a filespace belongs to one tenant so its events are never applied twice.",
                root);
        }
    }

    /// <summary>Every cursor of the volume, keyed by node and begin stem.</summary>
    public static async Task<Dictionary<(string Node, string Stem), StoredCursor>> LoadAsync(NpgsqlConnection connection, string tenant, Guid rootId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(AuditSql.LoadCursors, connection);
        command.AddValues(tenant, rootId);
        var cursors = new Dictionary<(string, string), StoredCursor>();
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var cursor = new AuditCursor(reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4), reader.GetInt64(5),
                reader.GetFieldValue<byte[]>(6), reader.GetInt32(7));
            cursors[(cursor.NodeId, cursor.BeginStem)] = new StoredCursor(reader.GetInt64(0), cursor, reader.GetBoolean(8), reader.GetBoolean(9));
        }

        return cursors;
    }

    /// <summary>Creates cursors (at the start) for logs seen for the first time.</summary>
    public static async Task CreateAsync(NpgsqlConnection connection, string tenant, Guid rootId, IReadOnlyList<AuditLogFile> logs, CancellationToken cancellationToken)
    {
        if (logs.Count == 0)
        {
            return;
        }

        await using var command = new NpgsqlCommand(AuditSql.CreateCursors, connection);
        command.AddValues(tenant, rootId, logs.Select(l => l.NodeId).ToArray(), logs.Select(l => l.BeginStem).ToArray(), logs.Select(l => l.RelativePath).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sets a log aside: it no longer matches its cursor, so it is not read again (no event is applied twice).
    /// True for the caller that set it aside, which reports it; false when it already was (reported before).
    /// </summary>
    public static async Task<bool> SetAsideAsync(NpgsqlConnection connection, StoredCursor cursor, string reason, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            AuditSql.SetCursorAside, connection);
        command.AddValues(cursor.Id, reason);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>
    /// Stages one chunk and moves the cursor's staged position past it, atomically. Events PostgreSQL refuses
    /// (a value its types cannot hold) are isolated by halving the chunk under savepoints, left out, and
    /// returned with the server's reason; the rest are staged, so one such line never holds back its log.
    /// </summary>
    public static async Task<IReadOnlyList<(StagedAuditEvent Event, string Reason)>> StageAsync(NpgsqlConnection connection, StoredCursor from, AuditCursor to, IReadOnlyList<StagedAuditEvent> events, string root, CancellationToken cancellationToken)
    {
        var refused = new List<(StagedAuditEvent, string)>();
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (events.Count > 0)
        {
            try
            {
                await using (var savepoint = new NpgsqlCommand(AuditSql.SavepointStageChunk, connection, transaction))
                {
                    await savepoint.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await CopyAsync(connection, from.Id, events, cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException e) when (IsDataError(e))
            {
                await RollbackToAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                await IsolateAsync(connection, transaction, from.Id, events, refused, cancellationToken).ConfigureAwait(false);
            }

            // The chunk's age, for retention (rows carry no timestamp of their own).
            await using var chunk = new NpgsqlCommand(
                AuditSql.RecordStagedChunk, connection, transaction);
            chunk.AddValues(from.Id, from.Staged.LineCount + 1, to.LineCount);
            await chunk.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var command = new NpgsqlCommand(AuditSql.MoveStagedPosition, connection, transaction))
        {
            command.AddValues(from.Id, to.Position, to.LineCount, to.Fingerprint, to.FingerprintLength, to.AuditFile, from.Staged.Position, from.Staged.LineCount);
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
            {
                throw new DiskToolsException(ErrorIds.LucidAuditCursorMoved, ErrorKind.ResourceUnavailable,
                    $"The cursor of {to.AuditFile} in '{root}' moved while it was being read: another process is ingesting this audit trail.", root);
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return refused;
    }

    /// <summary>A value PostgreSQL cannot store (class 22: data exception), as opposed to a broken connection.</summary>
    private static bool IsDataError(PostgresException e) => e.SqlState.StartsWith("22", StringComparison.Ordinal);

    private static async Task CopyAsync(NpgsqlConnection connection, long cursorId, IReadOnlyList<StagedAuditEvent> events, CancellationToken cancellationToken)
    {
        // Encoded before the COPY starts, so the connection streams a ready buffer.
        var rows = new ArrayBufferWriter<byte>(Math.Max(256, events.Count * 128));
        StagingCopyEncoder.Encode(rows, cursorId, events);
        await using NpgsqlRawCopyStream copy = await connection.BeginRawBinaryCopyAsync(AuditSql.CopyStaging, cancellationToken).ConfigureAwait(false);
        await copy.WriteAsync(rows.WrittenMemory, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stages what PostgreSQL accepts of <paramref name="events"/>, halving under savepoints to find the refused ones.</summary>
    private static async Task IsolateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long cursorId, IReadOnlyList<StagedAuditEvent> events, List<(StagedAuditEvent, string)> refused, CancellationToken cancellationToken)
    {
        StagedAuditEvent[] all = events as StagedAuditEvent[] ?? [.. events];
        var pending = new Stack<(int Start, int Count)>();
        pending.Push((0, all.Length));
        while (pending.Count > 0)
        {
            (int start, int count) = pending.Pop();
            var part = new ArraySegment<StagedAuditEvent>(all, start, count);
            await using (var savepoint = new NpgsqlCommand(AuditSql.SavepointStageChunk, connection, transaction))
            {
                await savepoint.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await CopyAsync(connection, cursorId, part, cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException e) when (IsDataError(e))
            {
                await RollbackToAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                if (count == 1)
                {
                    refused.Add((part[0], $"refused by PostgreSQL: {e.MessageText}"));
                    continue;
                }

                // Second half first on the stack, so the first half is tried first (line order).
                pending.Push((start + count / 2, count - count / 2));
                pending.Push((start, count / 2));
            }
        }
    }

    private static async Task RollbackToAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var rollback = new NpgsqlCommand(AuditSql.RollbackStageChunk, connection, transaction);
        await rollback.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
