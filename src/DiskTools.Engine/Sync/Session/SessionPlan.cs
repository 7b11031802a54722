using DiskTools.Engine.Sync.Config;
using DiskTools.Engine.Sync.Jobs;

namespace DiskTools.Engine.Sync.Session;

/// <summary>One sync_jobs entry of a session: the job it runs, or null with why it does not run.</summary>
internal sealed record PlannedJob(string Name, SyncJob? Job, string? WhyNotRun);

/// <summary>
/// What a session is to do, as its config says: the file checked against the jobs' schemas (config phase 1),
/// then the jobs sync_jobs enables or -Job names, in sync_jobs order (phase 2). The two steps are apart so the
/// config's log levels apply before a -Job naming an unlisted job is refused.
/// </summary>
internal sealed class SessionPlan
{
    private SessionPlan(SyncConfig config) => Config = config;

    public SyncConfig Config { get; }

    /// <summary>Every sync_jobs entry, in order; empty until <see cref="Select"/>.</summary>
    public IReadOnlyList<PlannedJob> Jobs { get; private set; } = [];

    /// <summary>The jobs that run, in order.</summary>
    public IEnumerable<SyncJob> Running => Jobs.Where(j => j.Job is not null).Select(j => j.Job!);

    public IEnumerable<string> RunningNames => Jobs.Where(j => j.Job is not null).Select(j => j.Name);

    /// <summary>True when a job copies with rsync, which then has to be on both hosts.</summary>
    public bool UsesRsync => Running.Any(j => j is FolderSyncJob);

    public static SessionPlan Load(string configFile) => new(SyncConfigLoader.Load(configFile, SyncJobCatalog.Schemas));

    /// <summary>Picks the jobs -Job names (<paramref name="named"/>) or, without it, the ones sync_jobs enables.</summary>
    public void Select(IReadOnlyList<string>? named)
    {
        if (named is not null)
        {
            string[] unknown = [.. named.Where(n => Config.Jobs.All(j => !string.Equals(j.Name, n, StringComparison.OrdinalIgnoreCase)))];
            if (unknown.Length > 0)
            {
                throw new DiskToolsException(ErrorIds.SyncJobNotConfigured, ErrorKind.InvalidArgument,
                    $"-Job names {string.Join(", ", unknown.Select(u => $"'{u}'"))}, which sync_jobs in {Config.SourceFile} does not list (it lists: {string.Join(", ", Config.Jobs.Select(j => j.Name))}).",
                    unknown[0]);
            }
        }

        Jobs = [.. Config.Jobs.Select(selection =>
        {
            bool run = named is not null ? named.Contains(selection.Name, StringComparer.OrdinalIgnoreCase) : selection.Enabled;
            return run
                ? new PlannedJob(selection.Name, SyncJobCatalog.Find(selection.Name)!.Create(), null)
                : new PlannedJob(selection.Name, null, WhyNotRun(selection, named is not null));
        })];
    }

    /// <summary>What ShouldProcess shows: the snapshots, the jobs and the retention this session would apply.</summary>
    public string Summary(string sourceHostname)
    {
        string jobs = string.Join(", ", RunningNames);
        SnapshotConfig snaps = Config.Snapshots;
        return $"Sync from {sourceHostname}: snapshots of {string.Join(", ", snaps.Subvolumes)} before and after on both hosts, "
            + $"jobs: {(jobs.Length == 0 ? "none" : jobs)}, then keep the {snaps.KeepRecent} most recent sessions' snapshots"
            + (snaps.MaxAgeDays is int days ? $" (older ones only when over {days} days old)" : string.Empty);
    }

    /// <summary>Why a job that is not planned does not run: -Job left it out, or sync_jobs disables it.</summary>
    private static string WhyNotRun(JobSelection selection, bool named)
        => named && selection.Enabled ? "not selected with -Job"
            : named ? "not selected with -Job (and disabled in sync_jobs)"
            : "disabled in sync_jobs";
}
