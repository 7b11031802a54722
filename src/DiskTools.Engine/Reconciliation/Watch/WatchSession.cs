using DiskTools.Engine.Storage;

namespace DiskTools.Engine.Reconciliation.Watch;

/// <summary>
/// The real-time tier of Invoke-Reconciliation -Watch. Watches the root with FileSystemWatcher (inotify on
/// Linux), runs the startup pass, then applies debounced changes until stopped: created or written files are
/// upserted (hashed), removed ones deleted, and any directory created or moved in or out has its subtree
/// rescanned — the .NET watcher can miss files that appear in a brand-new directory before its watch is
/// added, and the rescan closes that gap. Any watcher error or queue overflow rescans the whole root. Changes
/// are counted into one 'realtime' reconciliation operation per minute; a full reconciliation runs every
/// ReconcileInterval; a heartbeat row tells Get-ReconciliationStatus that the root is being watched.
/// </summary>
/// <remarks>
/// FileSystemWatcher rather than raw inotify: it already maintains the recursive watch set as directories
/// come and go, and nothing here trusts it to be complete — every directory event is answered with a rescan,
/// every error with a root rescan, and the periodic pass is the source of truth.
/// </remarks>
public sealed class WatchSession
{
    private static readonly TimeSpan RealtimeWindow = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(50);

    private readonly InventoryDatabase database;
    private readonly InventoryRoot inventoryRoot;
    private readonly ReconciliationOptions options;
    private readonly IgnoreRules rules;
    private readonly IOutputWriter writer;
    private readonly PendingChanges pending;
    private readonly PassCounters realtime = new();
    private readonly string rootSlash;
    private ReconciliationOperation? realtimeOperation;
    private long realtimeOpenedAt;

    private WatchSession(InventoryDatabase database, InventoryRoot inventoryRoot, ReconciliationOptions options, IgnoreRules rules, IOutputWriter writer)
    {
        this.database = database;
        this.inventoryRoot = inventoryRoot;
        this.options = options;
        this.rules = rules;
        this.writer = writer;
        pending = new PendingChanges(options.DebounceInterval);
        rootSlash = inventoryRoot.RootPath.TrimEnd('/') + "/";
    }

    /// <summary>Runs until <paramref name="cancellationToken"/> fires; writes every operation as it closes.</summary>
    public static async Task RunAsync(InventoryDatabase database, string root, ReconciliationOptions options, IOutputWriter writer, CancellationToken cancellationToken)
    {
        var rules = new IgnoreRules(options.Exclude);
        InventoryRoot inventoryRoot = await Reconciler.RegisterRootAsync(database, root, writer, cancellationToken).ConfigureAwait(false);
        await new WatchSession(database, inventoryRoot, options, rules, writer).RunAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        // One watcher per root: the lock lives on this connection for as long as the watch runs.
        await using NpgsqlConnection lockConnection = await database.ConnectAsync(cancellationToken).ConfigureAwait(false);
        await PassLock.AcquireWatchAsync(lockConnection, inventoryRoot.Id, inventoryRoot.RootPath, cancellationToken).ConfigureAwait(false);
        try
        {
            await RunWatchingAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await PassLock.ReleaseWatchAsync(lockConnection, inventoryRoot.Id).ConfigureAwait(false);
        }
    }

    private async Task RunWatchingAsync(CancellationToken cancellationToken)
    {
        // Watch first, then run the startup pass: nothing that changes during the pass is missed.
        using FileSystemWatcher watcher = StartWatcher();
        ReconciliationOperation startup = await Reconciler.RunPassAsync(database, inventoryRoot, rules, options with { OperationType = OperationTypes.Startup, Wait = true }, writer, cancellationToken).ConfigureAwait(false);
        writer.WriteObject(startup);
        DateTimeOffset nextPass = DateTimeOffset.UtcNow + options.ReconcileInterval;

        using var heartbeatStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task heartbeat = HeartbeatLoopAsync(() => nextPass, heartbeatStop.Token);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(Tick, cancellationToken).ConfigureAwait(false);
                if (DateTimeOffset.UtcNow >= nextPass)
                {
                    await FlushRealtimeAsync(force: true, cancellationToken).ConfigureAwait(false);
                    writer.WriteObject(await Reconciler.RunPassAsync(database, inventoryRoot, rules, options with { OperationType = OperationTypes.Reconciliation, Wait = true }, writer, cancellationToken).ConfigureAwait(false));
                    nextPass = DateTimeOffset.UtcNow + options.ReconcileInterval;
                    continue;
                }

                try
                {
                    await ApplyDueChangesAsync(cancellationToken).ConfigureAwait(false);
                    await FlushRealtimeAsync(force: false, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (Transient.IsTransient(e) && !cancellationToken.IsCancellationRequested)
                {
                    // The database went away: what was in flight rolled back; rescan everything once it is back.
                    writer.WriteWarning(database.Scrub($"Inventory database unavailable ({e.Message}); retrying, then rescanning '{inventoryRoot.RootPath}'."));
                    pending.RequestRootRescan();
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            watcher.EnableRaisingEvents = false;
            await heartbeatStop.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await FinishQuicklyAsync().ConfigureAwait(false);
        }
    }

    private FileSystemWatcher StartWatcher()
    {
        var watcher = new FileSystemWatcher(inventoryRoot.RootPath)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.Attributes | NotifyFilters.CreationTime,
            InternalBufferSize = 1 << 16,
        };
        watcher.Created += (_, e) => Note(e.FullPath, mayBeNewDirectory: true);
        watcher.Changed += (_, e) => Note(e.FullPath, mayBeNewDirectory: false);
        watcher.Deleted += (_, e) => Note(e.FullPath, mayBeNewDirectory: true);
        watcher.Renamed += (_, e) =>
        {
            Note(e.OldFullPath, mayBeNewDirectory: true);
            Note(e.FullPath, mayBeNewDirectory: true);
        };
        watcher.Error += (_, e) => OnWatcherError(e.GetException());
        try
        {
            watcher.EnableRaisingEvents = true;
        }
        catch (Exception e) when (WatchLimits.Classify(e, inventoryRoot.RootPath) is { } limit)
        {
            watcher.Dispose();
            throw limit;
        }

        return watcher;
    }

    private void Note(string fullPath, bool mayBeNewDirectory)
    {
        if (fullPath.Length > rootSlash.Length && fullPath.StartsWith(rootSlash, StringComparison.Ordinal))
        {
            pending.Add(fullPath[rootSlash.Length..], mayBeNewDirectory);
        }
    }

    private void OnWatcherError(Exception e)
    {
        if (WatchLimits.Classify(e, inventoryRoot.RootPath) is { } limit)
        {
            writer.WriteError(limit.ToError());
        }
        else
        {
            writer.WriteVerbose($"Watcher error on '{inventoryRoot.RootPath}' ({e.GetType().Name}: {e.Message}); rescanning the whole tree.");
        }

        // Events may have been lost (overflow, or a watch that could not be added): only a full rescan is safe.
        pending.RequestRootRescan();
    }

    private async Task ApplyDueChangesAsync(CancellationToken cancellationToken)
    {
        bool rootRescan = pending.TakeRootRescan();
        List<(string Path, bool Rescan)> due = rootRescan ? [] : pending.TakeDue();
        if (!rootRescan && due.Count == 0)
        {
            return;
        }

        await using NpgsqlConnection connection = await database.ConnectForPassAsync(cancellationToken).ConfigureAwait(false);
        ReconciliationOperation operation = await EnsureRealtimeOperationAsync(connection, cancellationToken).ConfigureAwait(false);
        var sync = new ScopeReconciler(connection, inventoryRoot, options, rules, writer);
        if (rootRescan)
        {
            pending.Clear();
            await sync.RunAsync(string.Empty, operation.Id, DateTimeOffset.MaxValue, realtime, showProgress: false, cancellationToken).ConfigureAwait(false);
            return;
        }

        var rescans = new List<string>();
        var deletes = new List<string>();
        var upserts = new List<StagedFile>();
        foreach ((string path, bool rescan) in due.OrderBy(d => d.Path, StringComparer.Ordinal))
        {
            if (rescans.Count > 0 && IsUnder(path, rescans[^1]))
            {
                continue;
            }

            string name = path[(path.LastIndexOf('/') + 1)..];
            FileIdentity? stat = NativeStat.OfPath(rootSlash + path);
            bool ignored = rules.IsUnderIgnoredDirectory(path);
            if (stat is null)
            {
                deletes.Add(path);
            }
            else if (IsDirectory(rootSlash + path))
            {
                if (rescan && !ignored && !rules.IsIgnored(path, name, isDirectory: true))
                {
                    rescans.Add(path);
                }
            }
            else if (stat.Value.IsRegular && !ignored && !rules.IsIgnored(path, name, isDirectory: false))
            {
                FileIdentity s = stat.Value;
                upserts.Add(new StagedFile(path, s.Size, s.ModifiedNs, s.ModTimeMicros, s.ChangedNs, s.Inode, DeviceOf(rootSlash + path)));
            }
            else
            {
                deletes.Add(path);
            }
        }

        if (deletes.Count > 0 && (upserts.Count > 0 || rescans.Count > 0))
        {
            // A rename or move arrives as a path gone plus a path new in the same round. Removing one and adding
            // the other would lose the record's id, history and tier state; rescanning the directory that holds
            // both lets the pass pair them (same inode, size and mtime) and carry the record across.
            string ancestor = CommonDirectory(deletes.Concat(upserts.Select(u => u.Path)).Concat(rescans));
            deletes.Clear();
            upserts.Clear();
            rescans = [ancestor];
        }

        foreach (string[] chunk in deletes.Chunk(options.BatchSize))
        {
            realtime.AddRemoved(await RecordWriter.RemoveAsync(connection, inventoryRoot.Id, chunk, subtree: true, cancellationToken).ConfigureAwait(false));
        }

        foreach (StagedFile[] chunk in upserts.Chunk(options.BatchSize))
        {
            realtime.AddScanned(chunk.Length);
            var recorded = new RecordedFile?[chunk.Length];
            await Parallel.ForEachAsync(
                Enumerable.Range(0, chunk.Length),
                new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.MaxConcurrency), CancellationToken = cancellationToken },
                (i, token) =>
                {
                    StagedFile f = chunk[i];
                    recorded[i] = options.Hash
                        ? sync.HashOne(rootSlash, f, realtime, token)
                        : new RecordedFile(f.Path, f.Size, f.ModifiedNs, f.ModTimeMicros, f.ChangedNs, f.Inode, f.Device, null);
                    if (recorded[i] is null)
                    {
                        pending.Add(f.Path, mayBeNewDirectory: false); // changed while hashing: try again once it settles
                    }

                    return ValueTask.CompletedTask;
                }).ConfigureAwait(false);
            (int added, int updated) = await RecordWriter.UpsertAsync(connection, inventoryRoot.Id, operation.Id, recorded.OfType<RecordedFile>().ToList(), cancellationToken).ConfigureAwait(false);
            realtime.AddWritten(added, updated);
        }

        foreach (string scope in rescans)
        {
            await sync.RunAsync(scope, operation.Id, DateTimeOffset.MaxValue, realtime, showProgress: false, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The deepest directory (relative, "" for the root) that holds every one of <paramref name="paths"/>.</summary>
    private static string CommonDirectory(IEnumerable<string> paths)
    {
        string? common = null;
        foreach (string path in paths)
        {
            int slash = path.LastIndexOf('/');
            string parent = slash < 0 ? string.Empty : path[..slash];
            if (common is null)
            {
                common = parent;
                continue;
            }

            while (common.Length > 0 && parent != common && !IsUnder(parent, common))
            {
                int up = common.LastIndexOf('/');
                common = up < 0 ? string.Empty : common[..up];
            }
        }

        return common ?? string.Empty;
    }

    private static bool IsUnder(string path, string directory)
        => path.Length > directory.Length && path[directory.Length] == '/' && path.StartsWith(directory, StringComparison.Ordinal);

    private static bool IsDirectory(string fullPath)
        => (File.GetAttributes(fullPath) & FileAttributes.Directory) != 0 && (File.GetAttributes(fullPath) & FileAttributes.ReparsePoint) == 0;

    private static ulong DeviceOf(string fullPath) => NativeStat.DeviceOf(fullPath);

    private async Task<ReconciliationOperation> EnsureRealtimeOperationAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (realtimeOperation is null)
        {
            realtimeOperation = await OperationLog.StartAsync(connection, inventoryRoot.Id, OperationTypes.Realtime, cancellationToken).ConfigureAwait(false);
            realtimeOpenedAt = Environment.TickCount64;
        }

        return realtimeOperation;
    }

    /// <summary>Closes the current minute's realtime operation (or drops it when nothing changed).</summary>
    private async Task FlushRealtimeAsync(bool force, CancellationToken cancellationToken)
    {
        if (realtimeOperation is null || (!force && Environment.TickCount64 - realtimeOpenedAt < RealtimeWindow.TotalMilliseconds))
        {
            return;
        }

        ReconciliationOperation operation = realtimeOperation;
        PassCounters counts = realtime.Drain();
        realtimeOperation = null;
        await using NpgsqlConnection connection = await database.ConnectAsync(cancellationToken).ConfigureAwait(false);
        if (counts.IsEmpty)
        {
            await using var drop = new NpgsqlCommand(ReconciliationSql.DeleteOperation, connection);
            drop.AddValues(operation.Id);
            await drop.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        writer.WriteObject(await OperationLog.FinishAsync(connection, counts.ApplyTo(operation), null, cancellationToken).ConfigureAwait(false));
    }

    private async Task HeartbeatLoopAsync(Func<DateTimeOffset> nextPass, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using NpgsqlConnection connection = await database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await WatcherHeartbeat.BeatAsync(connection, inventoryRoot.Id, nextPass(), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException or System.Net.Sockets.SocketException)
            {
                // A missed beat only makes the status look stale for a while; the next one repairs it.
            }

            await Task.Delay(WatcherHeartbeat.Interval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>On stop (Ctrl+C, SIGTERM, SIGHUP): close the realtime operation and remove the heartbeat, within two seconds at most.</summary>
    private async Task FinishQuicklyAsync()
    {
        // Long enough for a loaded machine, short enough that a service manager's stop never has to kill.
        using var brief = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await FlushRealtimeAsync(force: true, brief.Token).ConfigureAwait(false);
            await using NpgsqlConnection connection = await database.DataSource.OpenConnectionAsync(brief.Token).ConfigureAwait(false);
            await WatcherHeartbeat.RemoveAsync(connection, inventoryRoot.Id, brief.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException or IOException or System.Net.Sockets.SocketException)
        {
            // The heartbeat goes stale on its own; an unclosed realtime row is marked by the next pass.
        }
    }
}
