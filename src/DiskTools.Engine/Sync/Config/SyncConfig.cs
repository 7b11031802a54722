using DiskTools.Engine.Sync.Logging;

namespace DiskTools.Engine.Sync.Config;

/// <summary>A sync job named in sync_jobs, in file order, and whether it is switched on.</summary>
/// <param name="Line">Where it is named, for messages.</param>
public sealed record JobSelection(string Name, bool Enabled, int Line);

/// <summary>The disk-space monitor's settings (a system job: always on).</summary>
/// <param name="Path">The path whose file system is watched on each host.</param>
public sealed record DiskConfig(DiskSpaceValue PreflightMinimum, DiskSpaceValue RuntimeMinimum, TimeSpan CheckInterval, PerHost<string> Path)
{
    public static DiskConfig Default { get; } = new(
        DiskSpaceValue.Parse("20%"), DiskSpaceValue.Parse("15%"), TimeSpan.FromSeconds(30), PerHost<string>.Both("/"));
}

/// <summary>The pre/post snapshot job's settings (a system job: always on).</summary>
/// <param name="Subvolumes">Flat btrfs subvolume names ("@", "@home"), snapshotted on both hosts.</param>
/// <param name="FileSystem">A mount point of the btrfs file system holding them, per host; null = the one mounted at /.</param>
/// <param name="SnapshotDirectory">Where snapshots go, per host (on the same file system).</param>
/// <param name="KeepRecent">How many sessions' snapshots retention always keeps.</param>
/// <param name="MaxAgeDays">With it, older sessions beyond KeepRecent are deleted only once older than this.</param>
public sealed record SnapshotConfig(
    IReadOnlyList<string> Subvolumes,
    PerHost<string?> FileSystem,
    PerHost<string> SnapshotDirectory,
    int KeepRecent,
    int? MaxAgeDays)
{
    public static SnapshotConfig Default { get; } = new(["@", "@home"], PerHost<string?>.Both(null), PerHost<string>.Both("/.snapshots"), 3, null);
}

/// <summary>A loaded, validated sync config.</summary>
/// <param name="SourceFile">The file it came from (or a label for text parsed directly).</param>
/// <param name="Jobs">The sync_jobs list, in file order.</param>
/// <param name="JobSections">Each job's own section (empty when the file has none), by job name.</param>
public sealed record SyncConfig(
    string SourceFile,
    LogLevel LogFileLevel,
    LogLevel LogCliLevel,
    IReadOnlyList<JobSelection> Jobs,
    DiskConfig Disk,
    SnapshotConfig Snapshots,
    IReadOnlyDictionary<string, ConfigSection> JobSections)
{
    public IEnumerable<string> EnabledJobs => Jobs.Where(j => j.Enabled).Select(j => j.Name);

    public ConfigSection SectionOf(string job) => JobSections.TryGetValue(job, out ConfigSection? section) ? section : ConfigSection.Empty(job);
}
