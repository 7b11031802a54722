namespace DiskTools.Engine.Storage;

/// <summary>
/// A session-level advisory lock of the inventory database, named by a text key (the server hashes it):
/// one holder at a time across processes and hosts, held on the caller's own connection, so it vanishes
/// with that connection if the process dies.
/// </summary>
internal static class AdvisoryLock
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Takes the lock if nobody holds it; false at once when somebody does.</summary>
    public static async Task<bool> TryAcquireAsync(NpgsqlConnection connection, string key, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended($1, 0))", connection).AddValues(key);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Takes the lock, waiting for its holder to let go for as long as that takes. A polling try-lock rather
    /// than a blocking pg_advisory_lock: stopping must be instant, and a cancelled blocking call would leave
    /// doubt about whether the lock was granted.
    /// </summary>
    public static async Task WaitAsync(NpgsqlConnection connection, string key, CancellationToken cancellationToken)
    {
        while (!await TryAcquireAsync(connection, key, cancellationToken).ConfigureAwait(false))
        {
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Lets go of the lock; nothing to do when the connection is already gone (the server released it).</summary>
    public static async Task ReleaseAsync(NpgsqlConnection connection, string key)
    {
        if (connection.State != System.Data.ConnectionState.Open)
        {
            return;
        }

        try
        {
            await using NpgsqlCommand command = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended($1, 0))", connection).AddValues(key);
            await command.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (NpgsqlException)
        {
            // The connection broke: the server released the lock with the session.
        }
    }
}
