using DiskTools.Engine.Reconciliation.Watch;
using DiskTools.Engine.Storage;

namespace DiskTools.Engine.Reconciliation;

/// <summary>
/// One full pass per root at a time, and one -Watch per root (see <see cref="AdvisoryLock"/>). The keys are
/// the text earlier releases built in SQL ('disktools-pass:' || id::text), so builds still exclude each other.
/// </summary>
internal static class PassLock
{
    /// <summary>
    /// One -Watch per root: a session lock on <paramref name="connection"/>, which the watcher keeps open
    /// for as long as it runs. Fails at once when another watcher holds it, naming it from its heartbeat.
    /// </summary>
    public static async Task AcquireWatchAsync(NpgsqlConnection connection, Guid rootId, string rootPath, CancellationToken cancellationToken)
    {
        if (await AdvisoryLock.TryAcquireAsync(connection, WatchKey(rootId), cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        string who = await WatcherHeartbeat.DescribeAsync(connection, rootId, cancellationToken).ConfigureAwait(false) ?? "another process";
        throw new DiskToolsException(ErrorIds.ReconciliationWatchInProgress, ErrorKind.ResourceUnavailable,
            $"'{rootPath}' is already being watched by {who}; one -Watch per root. Stop that one first (Get-ReconciliationStatus shows it).", rootPath);
    }

    public static async Task AcquireAsync(NpgsqlConnection connection, Guid rootId, string rootPath, bool wait, CancellationToken cancellationToken)
    {
        if (wait)
        {
            await AdvisoryLock.WaitAsync(connection, PassKey(rootId), cancellationToken).ConfigureAwait(false);
        }
        else if (!await AdvisoryLock.TryAcquireAsync(connection, PassKey(rootId), cancellationToken).ConfigureAwait(false))
        {
            throw new DiskToolsException(ErrorIds.ReconciliationInProgress, ErrorKind.ResourceUnavailable,
                $"Another reconciliation of '{rootPath}' is running. Use -Wait to wait for it to finish.", rootPath);
        }
    }

    public static Task ReleaseWatchAsync(NpgsqlConnection connection, Guid rootId) => AdvisoryLock.ReleaseAsync(connection, WatchKey(rootId));

    public static Task ReleaseAsync(NpgsqlConnection connection, Guid rootId) => AdvisoryLock.ReleaseAsync(connection, PassKey(rootId));

    private static string PassKey(Guid rootId) => $"disktools-pass:{rootId:D}";

    private static string WatchKey(Guid rootId) => $"disktools-watch:{rootId:D}";
}
