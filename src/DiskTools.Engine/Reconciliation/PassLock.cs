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

    private const string KeySql = "hashtextextended('disktools-pass:' || $1::text, 0)";

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

    public static async Task ReleaseAsync(NpgsqlConnection connection, Guid repositoryId)
    {
        if (connection.State != System.Data.ConnectionState.Open)
        {
            return;
        }

        try
        {
            await using var command = new NpgsqlCommand($"SELECT pg_advisory_unlock({KeySql})", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = repositoryId });
            await command.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (NpgsqlException)
        {
            // The connection broke: the server released the lock with the session.
        }
    }
}
