using Npgsql;

namespace DiskTools.Engine.Reconciliation.Watch;

/// <summary>
/// The watcher's row in repository_watchers: refreshed every <see cref="Interval"/>, considered stale after
/// <see cref="StaleAfter"/>, deleted on a clean stop. Get-ReconciliationStatus reads IsWatching from it.
/// </summary>
internal static class WatcherHeartbeat
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(30);

    public static async Task BeatAsync(NpgsqlConnection connection, Guid repositoryId, DateTimeOffset? nextReconciliation, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO repository_watchers (repository_id, host_name, process_id, stale_after, next_reconciliation)
            VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (repository_id) DO UPDATE SET heartbeat_at = now(), host_name = EXCLUDED.host_name,
                process_id = EXCLUDED.process_id, stale_after = EXCLUDED.stale_after,
                next_reconciliation = EXCLUDED.next_reconciliation,
                started_at = CASE WHEN repository_watchers.process_id = EXCLUDED.process_id AND repository_watchers.host_name = EXCLUDED.host_name
                                  THEN repository_watchers.started_at ELSE now() END
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = repositoryId });
        command.Parameters.Add(new NpgsqlParameter { Value = Environment.MachineName });
        command.Parameters.Add(new NpgsqlParameter { Value = Environment.ProcessId });
        command.Parameters.Add(new NpgsqlParameter { Value = StaleAfter });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)nextReconciliation ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public static async Task RemoveAsync(NpgsqlConnection connection, Guid repositoryId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "DELETE FROM repository_watchers WHERE repository_id = $1 AND host_name = $2 AND process_id = $3", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = repositoryId });
        command.Parameters.Add(new NpgsqlParameter { Value = Environment.MachineName });
        command.Parameters.Add(new NpgsqlParameter { Value = Environment.ProcessId });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
