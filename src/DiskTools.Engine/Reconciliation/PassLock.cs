using DiskTools.Engine.Output;
using Npgsql;

namespace DiskTools.Engine.Reconciliation;

/// <summary>
/// One full pass per repository at a time, across processes and hosts: a session-level advisory lock keyed
/// by the repository id, held on the pass's own connection (so it vanishes with that connection if the
/// process dies).
/// </summary>
internal static class PassLock
{
    public const string BusyId = "ReconciliationInProgress";

    public const string WatchBusyId = "ReconciliationWatchInProgress";

    private const string KeySql = "hashtextextended('disktools-pass:' || $1::text, 0)";
    private const string WatchKeySql = "hashtextextended('disktools-watch:' || $1::text, 0)";

    /// <summary>
    /// One -Watch per repository: a session lock on <paramref name="connection"/>, which the watcher keeps open
    /// for as long as it runs. Fails at once when another watcher holds it, naming it from its heartbeat.
    /// </summary>
    public static async Task AcquireWatchAsync(NpgsqlConnection connection, Guid repositoryId, string rootPath, CancellationToken cancellationToken)
    {
        await using (var command = new NpgsqlCommand($"SELECT pg_try_advisory_lock({WatchKeySql})", connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = repositoryId });
            if ((bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                return;
            }
        }

        string who = "another process";
        await using (var command = new NpgsqlCommand("SELECT host_name, process_id FROM repository_watchers WHERE repository_id = $1", connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = repositoryId });
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                who = $"process {reader.GetInt32(1)} on {reader.GetString(0)}";
            }
        }

        throw new DiskToolsException(WatchBusyId, ErrorKind.ResourceUnavailable,
            $"'{rootPath}' is already being watched by {who}; one -Watch per root. Stop that one first (Get-ReconciliationStatus shows it).", rootPath);
    }

    public static async Task AcquireAsync(NpgsqlConnection connection, Guid repositoryId, string rootPath, bool wait, CancellationToken cancellationToken)
    {
        // Polling try-lock rather than a blocking pg_advisory_lock: stopping must be instant, and a cancelled
        // blocking call would leave doubt about whether the lock was granted.
        while (true)
        {
            await using (var command = new NpgsqlCommand($"SELECT pg_try_advisory_lock({KeySql})", connection))
            {
                command.Parameters.Add(new NpgsqlParameter { Value = repositoryId });
                if ((bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
                {
                    return;
                }
            }

            if (!wait)
            {
                throw new DiskToolsException(BusyId, ErrorKind.ResourceUnavailable,
                    $"Another reconciliation of '{rootPath}' is running. Use -Wait to wait for it to finish.", rootPath);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
        }
    }

    public static Task ReleaseWatchAsync(NpgsqlConnection connection, Guid repositoryId) => UnlockAsync(connection, repositoryId, WatchKeySql);

    public static Task ReleaseAsync(NpgsqlConnection connection, Guid repositoryId) => UnlockAsync(connection, repositoryId, KeySql);

    private static async Task UnlockAsync(NpgsqlConnection connection, Guid repositoryId, string keySql)
    {
        if (connection.State != System.Data.ConnectionState.Open)
        {
            return;
        }

        try
        {
            await using var command = new NpgsqlCommand($"SELECT pg_advisory_unlock({keySql})", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = repositoryId });
            await command.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (NpgsqlException)
        {
            // The connection broke: the server released the lock with the session.
        }
    }
}
