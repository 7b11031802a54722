using DiskTools.Engine.Storage;
using NpgsqlTypes;

namespace DiskTools.Engine.Reconciliation.Watch;

/// <summary>
/// The watcher's row in repository_watchers: refreshed every <see cref="Interval"/>, considered stale after
/// <see cref="StaleAfter"/>, deleted on a clean stop. Get-ReconciliationStatus reads IsWatching from it.
/// </summary>
internal static class WatcherHeartbeat
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(30);

    public static async Task BeatAsync(NpgsqlConnection connection, Guid rootId, DateTimeOffset? nextReconciliation, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(ReconciliationSql.BeatWatcher, connection);
        command.AddValues(rootId, Environment.MachineName, Environment.ProcessId, StaleAfter);
        command.AddValue(nextReconciliation, NpgsqlDbType.TimestampTz);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public static async Task RemoveAsync(NpgsqlConnection connection, Guid rootId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(ReconciliationSql.RemoveWatcher, connection);
        command.AddValues(rootId, Environment.MachineName, Environment.ProcessId);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>"process N on HOST" for the root's watcher, from its row; null when it has none.</summary>
    public static async Task<string?> DescribeAsync(NpgsqlConnection connection, Guid rootId, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = new NpgsqlCommand(ReconciliationSql.DescribeWatcher, connection).AddValues(rootId);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? $"process {reader.GetInt32(1)} on {reader.GetString(0)}" : null;
    }
}
