using System.Net;
using DiskTools.Engine.Storage;

namespace DiskTools.Engine.Reconciliation;

/// <summary>
/// A full reconciliation pass of one root: registers the root on first use, takes the root's
/// pass lock, records a reconciliation operation, runs <see cref="ScopeReconciler"/> over the whole tree and closes the
/// operation as completed — or, when anything fails, as failed with the error, having deleted nothing.
/// </summary>
public static class Reconciler
{
    /// <summary>Runs one pass; returns its operation (status completed or failed). Throws when it cannot start.</summary>
    public static async Task<ReconciliationOperation> RunPassAsync(InventoryDatabase database, string root, ReconciliationOptions options, IOutputWriter writer, CancellationToken cancellationToken)
    {
        var rules = new IgnoreRules(options.Exclude);
        InventoryRoot inventoryRoot = await RegisterRootAsync(database, root, writer, cancellationToken).ConfigureAwait(false);
        return await RunPassAsync(database, inventoryRoot, rules, options, writer, cancellationToken).ConfigureAwait(false);
    }

    internal static async Task<ReconciliationOperation> RunPassAsync(InventoryDatabase database, InventoryRoot inventoryRoot, IgnoreRules rules, ReconciliationOptions options, IOutputWriter writer, CancellationToken cancellationToken)
    {
        NpgsqlConnection connection = await database.ConnectForPassAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await PassLock.AcquireAsync(connection, inventoryRoot.Id, inventoryRoot.RootPath, options.Wait, cancellationToken).ConfigureAwait(false);
            try
            {
                await OperationLog.FailAbandonedAsync(connection, inventoryRoot.Id, cancellationToken).ConfigureAwait(false);
                ReconciliationOperation operation = await OperationLog.StartAsync(connection, inventoryRoot.Id, options.OperationType, cancellationToken).ConfigureAwait(false);
                var counters = new PassCounters();
                try
                {
                    await new ScopeReconciler(connection, inventoryRoot, options, rules, writer)
                        .RunAsync(string.Empty, operation.Id, operation.StartTime, counters, showProgress: true, cancellationToken).ConfigureAwait(false);
                    return await OperationLog.FinishAsync(connection, counters.ApplyTo(operation), null, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    // Stopped: the open batch was rolled back by the cancelled statement; say so briefly, then go.
                    using var brief = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
                    await TryFinishAsync(database, counters.ApplyTo(operation), "Stopped before the pass finished; nothing was deleted.", retry: false, brief.Token).ConfigureAwait(false);
                    throw;
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    string message = database.Scrub(e is DiskToolsException ? e.Message : $"{e.GetType().Name}: {e.Message}");
                    ReconciliationOperation failed = await TryFinishAsync(database, counters.ApplyTo(operation), message, retry: true, cancellationToken).ConfigureAwait(false);
                    if (e is DiskToolsException refused && RootGuard.IsRefusal(refused.ErrorId))
                    {
                        // The root guard stopped the pass before it wrote anything: its own error says what changed.
                        writer.WriteError(refused.ToError());
                        return failed;
                    }

                    writer.WriteError(new OperationError(ErrorIds.ReconciliationFailed, e is DiskToolsException known ? known.Kind : ErrorKind.ConnectionError, inventoryRoot.RootPath,
                        new DiskToolsException(ErrorIds.ReconciliationFailed, ErrorKind.ConnectionError,
                            $"Reconciliation of '{inventoryRoot.RootPath}' failed after {counters.Added + counters.Updated:N0} records were written; nothing was deleted and a rerun completes it: {message}",
                            inventoryRoot.RootPath, e)));
                    return failed;
                }
            }
            finally
            {
                await PassLock.ReleaseAsync(connection, inventoryRoot.Id).ConfigureAwait(false);
            }
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The registered root for a path, registering it on first use. A root that is registered is taken as given (the
    /// pass's guard then checks what it is now). A new root must be a directory; a new root that is a symbolic
    /// link is registered as the directory it resolves to, and a warning says so.
    /// </summary>
    internal static async Task<InventoryRoot> RegisterRootAsync(InventoryDatabase database, string root, IOutputWriter writer, CancellationToken cancellationToken)
    {
        string rootPath = NormaliseRoot(root);
        RootIdentity probe = NativeStat.ProbeRoot(rootPath);
        if (probe.Kind != RootKind.Directory && await RootStore.FindAsync(database, rootPath, cancellationToken).ConfigureAwait(false) is { } known)
        {
            return known;
        }

        switch (probe.Kind)
        {
            case RootKind.Missing:
                throw new DiskToolsException(ErrorIds.ReconciliationRootNotDirectory, ErrorKind.ObjectNotFound, $"'{rootPath}' does not exist; reconciliation needs the root of a tree.", rootPath);
            case RootKind.NotDirectory:
                throw new DiskToolsException(ErrorIds.ReconciliationRootNotDirectory, ErrorKind.InvalidArgument, $"'{rootPath}' is not a directory; reconciliation needs the root of a tree.", rootPath);
            case RootKind.Symlink:
                FileSystemInfo? target = null;
                try
                {
                    target = Directory.ResolveLinkTarget(rootPath, returnFinalTarget: true);
                }
                catch (IOException)
                {
                }

                string? resolved = target is null ? null : NormaliseRoot(target.FullName);
                if (resolved is null || NativeStat.ProbeRoot(resolved).Kind != RootKind.Directory)
                {
                    throw new DiskToolsException(ErrorIds.ReconciliationRootNotDirectory, ErrorKind.InvalidArgument,
                        $"'{rootPath}' is a symbolic link that does not lead to a directory; reconciliation needs the root of a tree.", rootPath);
                }

                writer.WriteWarning($"'{rootPath}' is a symbolic link; its inventory is kept under the directory it leads to, '{resolved}'. Use that path from now on: a root is never followed through a link, so a link swapped for another cannot empty the inventory.");
                rootPath = resolved;
                break;
        }

        return await RootStore.RegisterAsync(database, rootPath, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>An absolute root without a trailing slash ("/" stays "/"); symlinks are not resolved.</summary>
    public static string NormaliseRoot(string root)
    {
        string full = Path.GetFullPath(root);
        return full.Length > 1 ? full.TrimEnd('/') : full;
    }

    /// <summary>
    /// Records the failure on a fresh connection (the pass's own may be what broke), retrying transient
    /// errors with backoff; when the database stays unreachable the returned object still says what happened
    /// and the next pass marks the row failed.
    /// </summary>
    private static async Task<ReconciliationOperation> TryFinishAsync(InventoryDatabase database, ReconciliationOperation operation, string error, bool retry, CancellationToken cancellationToken)
    {
        try
        {
            return await Transient.RetryAsync(
                async token =>
                {
                    await using NpgsqlConnection fresh = await database.DataSource.OpenConnectionAsync(token).ConfigureAwait(false);
                    return await OperationLog.FinishAsync(fresh, operation, error, token).ConfigureAwait(false);
                },
                retry ? cancellationToken : CancellationToken.None).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException or IOException or System.Net.Sockets.SocketException)
        {
            return operation with { Status = "failed", ErrorMessage = error };
        }
    }
}
