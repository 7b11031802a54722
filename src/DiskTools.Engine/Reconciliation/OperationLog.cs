using DiskTools.Engine.Storage;
using NpgsqlTypes;

namespace DiskTools.Engine.Reconciliation;

/// <summary>
/// Reads and writes sync_operations. A pass's statements (start, finish, fail abandoned) are in
/// <see cref="ReconciliationSql"/>; the listing that only Get-ReconciliationOperation and Get-ReconciliationStatus
/// read stays with <see cref="ListAsync"/>. Every timestamp is the database's own clock.
/// </summary>
internal static class OperationLog
{
    public static async Task<ReconciliationOperation> StartAsync(NpgsqlConnection connection, Guid rootId, string type, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(ReconciliationSql.StartOperation, connection);
        command.AddValues(rootId, type);
        return (await ReadAsync(command, cancellationToken).ConfigureAwait(false))[0];
    }

    /// <summary>Closes an operation: end time and duration from the database clock.</summary>
    public static async Task<ReconciliationOperation> FinishAsync(NpgsqlConnection connection, ReconciliationOperation operation, string? error, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(ReconciliationSql.FinishOperation, connection);
        command.AddValues(operation.Id, operation.FilesScanned, operation.FilesAdded, operation.FilesUpdated, operation.FilesRemoved, operation.FilesDeferred, error is null ? "completed" : "failed");
        command.AddValue(error, NpgsqlDbType.Text);
        command.AddValues(operation.FilesMoved);
        return (await ReadAsync(command, cancellationToken).ConfigureAwait(false))[0];
    }

    /// <summary>
    /// Marks passes left 'running' by a process or connection that died as failed. Only called while holding
    /// the root's pass lock, so none of them can still be running.
    /// </summary>
    public static async Task FailAbandonedAsync(NpgsqlConnection connection, Guid rootId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(ReconciliationSql.FailAbandonedOperations, connection);
        command.AddValues(rootId);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The latest operations, newest first, for one root or all.</summary>
    public static async Task<IReadOnlyList<ReconciliationOperation>> ListAsync(NpgsqlConnection connection, Guid? rootId, int last, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            ReconciliationSql.SelectOperations + " WHERE $1::uuid IS NULL OR o.repository_id = $1 ORDER BY o.start_time DESC, o.id DESC LIMIT $2", connection);
        command.AddValue(rootId, NpgsqlDbType.Uuid);
        command.AddValues(last);
        return await ReadAsync(command, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<List<ReconciliationOperation>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var list = new List<ReconciliationOperation>();
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new ReconciliationOperation
            {
                Id = reader.GetInt64(0),
                RootId = reader.GetGuid(1),
                RootPath = reader.GetString(2),
                OperationType = reader.GetString(3),
                FilesScanned = reader.GetInt32(4),
                FilesAdded = reader.GetInt32(5),
                FilesUpdated = reader.GetInt32(6),
                FilesRemoved = reader.GetInt32(7),
                FilesDeferred = reader.GetInt32(8),
                StartTime = reader.GetFieldValue<DateTimeOffset>(9),
                EndTime = reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10),
                Duration = reader.IsDBNull(11) ? null : TimeSpan.FromMilliseconds(reader.GetInt64(11)),
                Status = reader.GetString(12),
                ErrorMessage = reader.IsDBNull(13) ? null : reader.GetString(13),
                FilesMoved = reader.GetInt32(14),
            });
        }

        return list;
    }
}
