using System.Globalization;
using DiskTools.Engine.Sync.Config;
using DiskTools.Engine.Sync.Logging;
using DiskTools.Engine.Sync.Session;

namespace DiskTools.Engine.Sync.Jobs;

/// <summary>
/// The snapshot system job: read-only snapshots of the configured subvolumes on both hosts before the sync
/// jobs run (presync) and after (postsync), named &lt;subvolume&gt;-&lt;phase&gt;-&lt;yyyyMMddTHHmmss&gt;-&lt;session&gt; so a bad
/// sync can be undone by hand; then retention on both hosts. The btrfs work itself is the shared snapshot
/// engine's; this job only decides what to snapshot where and reports it.
/// </summary>
public sealed class SnapshotJob : SyncJob
{
    public const string JobName = "btrfs_snapshots";

    public override string Name => JobName;

    public override bool Required => true;

    public override string Description => "Read-only btrfs snapshots before and after the sync, on both hosts.";

    public override IEnumerable<string> Plan(JobContext context)
    {
        SnapshotConfig config = context.SessionConfig.Snapshots;
        foreach (SyncHost host in new[] { SyncHost.Source, SyncHost.Target })
        {
            string stamp = DateTimeOffset.UtcNow.ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture);
            yield return $"{Name}: on {context.HostnameOf(host)} snapshot {string.Join(", ", config.Subvolumes)} into {config.SnapshotDirectory.For(host)}"
                + $" as e.g. {config.Subvolumes[0]}-presync-{stamp}-{context.SessionId}, before and after the jobs";
        }

        yield return $"{Name}: retention keeps the snapshots of the {config.KeepRecent} most recent sessions"
            + (config.MaxAgeDays is int days ? $" and of any session younger than {days} days" : string.Empty);
    }

    public override async Task<IReadOnlyList<ValidationProblem>> ValidateAsync(JobContext context, CancellationToken cancellationToken)
    {
        SnapshotConfig config = context.SessionConfig.Snapshots;
        var problems = new List<ValidationProblem>();
        foreach (SyncHost host in new[] { SyncHost.Source, SyncHost.Target })
        {
            foreach (string problem in await SnapshotOperations.CheckAsync(context.On(host), config, host, cancellationToken).ConfigureAwait(false))
            {
                problems.Add(new ValidationProblem(Name, host, context.HostnameOf(host), problem));
            }
        }

        return problems;
    }

    /// <summary>Pre- or post-sync snapshots on both hosts (in parallel: they are independent).</summary>
    public async Task<IReadOnlyList<SyncSnapshot>> TakeAsync(JobContext context, string phase, CancellationToken cancellationToken)
    {
        SnapshotConfig config = context.SessionConfig.Snapshots;
        DateTimeOffset stamp = DateTimeOffset.UtcNow;
        context.Progress(new ProgressUpdate(0, 0, config.Subvolumes.Count * 2, $"{phase} snapshots"));
        IReadOnlyList<SyncSnapshot>[] both = await Task.WhenAll(
            TakeOnAsync(context, SyncHost.Source, phase, stamp, cancellationToken),
            TakeOnAsync(context, SyncHost.Target, phase, stamp, cancellationToken)).ConfigureAwait(false);
        context.Progress(new ProgressUpdate(100, config.Subvolumes.Count * 2, config.Subvolumes.Count * 2, $"{phase} snapshots"));
        return [.. both[0], .. both[1]];
    }

    public override Task ExecuteAsync(JobContext context, CancellationToken cancellationToken) => TakeAsync(context, "presync", cancellationToken);

    /// <summary>Retention on both hosts; failures are logged as errors (the session fails) but both hosts are tried.</summary>
    public async Task ApplyRetentionAsync(JobContext context, CancellationToken cancellationToken)
    {
        SnapshotConfig config = context.SessionConfig.Snapshots;
        foreach (SyncHost host in new[] { SyncHost.Source, SyncHost.Target })
        {
            try
            {
                IReadOnlyList<string> removed = await SnapshotOperations.ApplyRetentionAsync(context.On(host), config, host, cancellationToken).ConfigureAwait(false);
                foreach (string path in removed)
                {
                    context.Log(host, LogLevel.Info, $"Retention removed {path}", Fields(("path", path)));
                }

                context.Log(host, LogLevel.Full, $"Retention on {context.HostnameOf(host)}: {removed.Count} snapshot(s) removed", Fields(("removed", removed.Count)));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                context.Log(host, LogLevel.Error, $"Retention failed on {context.HostnameOf(host)}: {e.Message}", error: e);
            }
        }
    }

    private static async Task<IReadOnlyList<SyncSnapshot>> TakeOnAsync(JobContext context, SyncHost host, string phase, DateTimeOffset stamp, CancellationToken cancellationToken)
    {
        SnapshotConfig config = context.SessionConfig.Snapshots;
        var taken = new List<SyncSnapshot>();
        foreach (string subvolume in config.Subvolumes)
        {
            SyncSnapshot snapshot = await SnapshotOperations.CreateAsync(
                context.On(host), config, host, context.HostnameOf(host), subvolume, phase, stamp, context.SessionId, cancellationToken).ConfigureAwait(false);
            taken.Add(snapshot);
            context.Log(host, LogLevel.Full, $"Created read-only snapshot {snapshot.Path}", Fields(("subvolume", subvolume), ("phase", phase), ("path", snapshot.Path)));
        }

        return taken;
    }
}
