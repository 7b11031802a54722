using DiskTools.Engine.Btrfs;
using DiskTools.Engine.Sync.Config;
using DiskTools.Engine.Sync.Logging;
using DiskTools.Engine.Sync.Session;

namespace DiskTools.Engine.Sync.Jobs;

/// <summary>
/// The snapshot system job: read-only snapshots of the configured subvolumes on both hosts before the sync
/// jobs run (presync) and after (postsync), named &lt;subvolume&gt;-&lt;phase&gt;-&lt;yyyyMMddTHHmmss&gt;-&lt;session&gt; so a bad
/// sync can be undone by hand; then retention on both hosts. The btrfs work is the shared snapshot engine's
/// (<see cref="BtrfsSnapshotService"/>); this job decides what to snapshot where and reports it.
/// </summary>
public sealed class SnapshotJob() : SyncJob(JobName, "Read-only btrfs snapshots before and after the sync, on both hosts.", required: true)
{
    public const string JobName = "btrfs_snapshots";

    public override IEnumerable<string> Plan(JobContext context)
    {
        SnapshotConfig config = context.SessionConfig.Snapshots;
        foreach (SyncHost host in new[] { SyncHost.Source, SyncHost.Target })
        {
            string example = SnapshotName.Format(config.Subvolumes[0], SnapshotPhase.PreSync, DateTime.UtcNow, context.SessionId);
            yield return $"{Name}: on {context.HostnameOf(host)} snapshot {string.Join(", ", config.Subvolumes)} into {config.SnapshotDirectory.For(host)}"
                + $" before and after the jobs (e.g. {example})";
        }

        yield return $"{Name}: retention keeps the snapshots of the {config.KeepRecent} most recent sessions on each host (ranked by the creation time btrfs records)"
            + (config.MaxAgeDays is int days ? $" and of any session younger than {days} days" : string.Empty)
            + ", this session's, anything newer, the newest pre-sync snapshot of each subvolume, and every manual snapshot";
    }

    public override async Task<IReadOnlyList<ValidationProblem>> ValidateAsync(JobContext context, CancellationToken cancellationToken)
    {
        SnapshotConfig config = context.SessionConfig.Snapshots;
        var problems = new List<ValidationProblem>();
        foreach (SyncHost host in new[] { SyncHost.Source, SyncHost.Target })
        {
            void Problem(string message) => problems.Add(new ValidationProblem(Name, host, context.HostnameOf(host), message));
            try
            {
                IReadOnlyList<BtrfsSubvolume> present = await ServiceFor(context, host).ListSubvolumesAsync(cancellationToken).ConfigureAwait(false);
                foreach (string subvolume in config.Subvolumes)
                {
                    BtrfsSubvolume? found = present.FirstOrDefault(s => s.Name == subvolume);
                    if (found is null)
                    {
                        Problem($"subvolume '{subvolume}' does not exist at the top level of the btrfs file system {DescribeFileSystem(config, host)}"
                            + $" (it has: {(present.Count == 0 ? "none" : string.Join(", ", present.Select(s => s.Name)))})");
                    }
                    else if (found.MountPoint is null)
                    {
                        Problem($"subvolume '{subvolume}' exists but is not reachable through any mount (mount it, or the top level, subvolid=5)");
                    }
                }
            }
            catch (DiskToolsException e)
            {
                // Not btrfs, snapshot directory missing or on another file system, btrfs-progs missing, no permission.
                Problem(e.Message);
            }
        }

        return problems;
    }

    /// <summary>Pre- or post-sync snapshots on both hosts, in parallel; one host failing stops the other.</summary>
    public async Task<IReadOnlyList<SyncSnapshot>> TakeAsync(JobContext context, SnapshotPhase phase, CancellationToken cancellationToken)
    {
        SnapshotConfig config = context.SessionConfig.Snapshots;
        DateTime stamp = DateTime.UtcNow;
        int total = config.Subvolumes.Count * 2;
        context.Progress(new ProgressUpdate(0, 0, total, $"{SnapshotName.PhaseText(phase)} snapshots"));
        (IReadOnlyList<SyncSnapshot> source, IReadOnlyList<SyncSnapshot> target) = await BothHosts.RunAsync(
            (host, token) => TakeOnAsync(context, host, phase, stamp, token), cancellationToken).ConfigureAwait(false);
        context.Progress(new ProgressUpdate(100, total, total, $"{SnapshotName.PhaseText(phase)} snapshots"));
        return [.. source, .. target];
    }

    public override Task ExecuteAsync(JobContext context, CancellationToken cancellationToken) => TakeAsync(context, SnapshotPhase.PreSync, cancellationToken);

    /// <summary>
    /// Retention on both hosts, by the one engine rule (<see cref="SnapshotRetention"/>): the listing is read
    /// afresh, this session's snapshots and anything created since it began stay, and so does the newest
    /// pre-sync snapshot of each subvolume; manual snapshots are never touched. A failure is logged as an error
    /// (the session fails) and retention goes on with the next snapshot and the other host.
    /// </summary>
    public async Task ApplyRetentionAsync(JobContext context, CancellationToken cancellationToken)
    {
        SnapshotConfig config = context.SessionConfig.Snapshots;
        var policy = new RetentionPolicy(config.KeepRecent, config.MaxAgeDays);
        var guard = new RetentionGuard(context.SessionId, context.SessionStartedAt.UtcDateTime);

        // The hosts share nothing here, so neither waits for the other's round trips.
        await Task.WhenAll(
            RetainOnAsync(context, SyncHost.Source, policy, guard, cancellationToken),
            RetainOnAsync(context, SyncHost.Target, policy, guard, cancellationToken)).ConfigureAwait(false);
    }

    private async Task RetainOnAsync(JobContext context, SyncHost host, RetentionPolicy policy, RetentionGuard guard, CancellationToken cancellationToken)
    {
        SnapshotConfig config = context.SessionConfig.Snapshots;
        RetentionPlan plan;
        BtrfsSnapshotService service = ServiceFor(context, host);
        try
        {
            plan = await SnapshotRetention.PlanAsync(service, s => config.Subvolumes.Contains(s, StringComparer.Ordinal), policy, guard, cancellationToken).ConfigureAwait(false);
        }
        catch (DiskToolsException e)
        {
            context.Log(host, LogLevel.Error, $"Retention failed on {context.HostnameOf(host)}: {e.Message}", error: e);
            return;
        }

        foreach (string notice in plan.Notices)
        {
            context.Log(host, LogLevel.Warning, "Retention: " + notice);
        }

        RetentionOutcome outcome = await SnapshotRetention.ApplyAsync(service, plan, new RetentionLog(context, host), cancellationToken).ConfigureAwait(false);
        context.Log(host, LogLevel.Full, $"Retention on {context.HostnameOf(host)}: kept {plan.Sessions.Count(s => s.Keep)} session(s), removed {outcome.Removed} snapshot(s)"
            + (outcome.Failed > 0 ? $", {outcome.Failed} could not be removed" : string.Empty),
            Fields(("removed", outcome.Removed), ("failed", outcome.Failed)));
    }

    // Null lets the snapshot engine use the file system holding the snapshot directory, as the cmdlets do.
    private static string? FileSystemOf(SnapshotConfig config, SyncHost host) => config.FileSystem.For(host);

    private static string DescribeFileSystem(SnapshotConfig config, SyncHost host)
        => FileSystemOf(config, host) ?? $"holding {config.SnapshotDirectory.For(host)}";

    // One engine instance per host for the whole session: it caches the host's layout between calls.
    private readonly Dictionary<SyncHost, BtrfsSnapshotService> services = [];

    private BtrfsSnapshotService ServiceFor(JobContext context, SyncHost host)
    {
        lock (services)
        {
            if (!services.TryGetValue(host, out BtrfsSnapshotService? service))
            {
                SnapshotConfig config = context.SessionConfig.Snapshots;
                var location = new SnapshotLocation { FileSystem = FileSystemOf(config, host), SnapshotDirectory = config.SnapshotDirectory.For(host) };
                service = new BtrfsSnapshotService(context.On(host), location, context.On(host).Target);
                services[host] = service;
            }

            return service;
        }
    }

    private async Task<IReadOnlyList<SyncSnapshot>> TakeOnAsync(JobContext context, SyncHost host, SnapshotPhase phase, DateTime stamp, CancellationToken cancellationToken)
    {
        BtrfsSnapshotService service = ServiceFor(context, host);
        var taken = new List<SyncSnapshot>();
        foreach (string subvolume in context.SessionConfig.Snapshots.Subvolumes)
        {
            BtrfsSnapshot snapshot = await service.CreateAsync(new SnapshotRequest(subvolume, phase, context.SessionId, stamp), cancellationToken).ConfigureAwait(false);
            taken.Add(new SyncSnapshot(context.HostnameOf(host), host, subvolume, SnapshotName.PhaseText(phase), snapshot.Name, snapshot.Path,
                new DateTimeOffset(DateTime.SpecifyKind(snapshot.Timestamp, DateTimeKind.Utc))));
            context.Log(host, LogLevel.Full, $"Created read-only snapshot {snapshot.Path}",
                Fields(("subvolume", subvolume), ("phase", SnapshotName.PhaseText(phase)), ("path", snapshot.Path), ("read_only", snapshot.ReadOnly)));
        }

        return taken;
    }

    /// <summary>Retention's steps as the session's log lines.</summary>
    private sealed class RetentionLog(JobContext context, SyncHost host) : IRetentionObserver
    {
        public void Kept(ProtectedSnapshot kept, RetentionDecision session)
            => context.Log(host, LogLevel.Info, $"Retention keeps {kept.Snapshot.Path} of session {session.SessionId}: {kept.Reason}",
                Fields(("path", kept.Snapshot.Path), ("snapshot_session", session.SessionId)));

        public void Removed(BtrfsSnapshot snapshot, RetentionDecision session)
            => context.Log(host, LogLevel.Info, $"Retention removed {snapshot.Path} ({session.Reason})", Fields(("path", snapshot.Path), ("snapshot_session", snapshot.SessionId)));

        public bool Failed(BtrfsSnapshot snapshot, RetentionDecision session, DiskToolsException error)
        {
            context.Log(host, LogLevel.Error, $"Retention could not remove {snapshot.Path} on {context.HostnameOf(host)}: {error.Message}",
                Fields(("path", snapshot.Path), ("snapshot_session", snapshot.SessionId)), error);
            return true;
        }
    }
}
