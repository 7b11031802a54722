using System.Globalization;
using DiskTools.Engine.Output;
using DiskTools.Engine.Remoting;
using DiskTools.Engine.Sync.Config;
using DiskTools.Engine.Sync.Logging;
using DiskTools.Engine.Sync.Session;

namespace DiskTools.Engine.Sync.Jobs;

/// <summary>
/// The btrfs calls the snapshot job needs, over any executor. Kept to the minimum (check, create, retention)
/// so it can hand over to the shared snapshot engine without touching the job.
/// </summary>
internal static class SnapshotOperations
{
    private const string Btrfs = "btrfs";

    public static string SnapshotName(string subvolume, string phase, DateTimeOffset stamp, string sessionId)
        => $"{subvolume}-{phase}-{stamp.UtcDateTime.ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture)}-{sessionId}";

    private static string FileSystemOf(SnapshotConfig config, SyncHost host) => config.FileSystem.For(host) ?? "/";

    private static string SubvolumePath(SnapshotConfig config, SyncHost host, string subvolume)
        => Path.Combine(FileSystemOf(config, host), subvolume);

    public static async Task<IReadOnlyList<string>> CheckAsync(ICommandExecutor host, SnapshotConfig config, SyncHost role, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        foreach (string subvolume in config.Subvolumes)
        {
            string path = SubvolumePath(config, role, subvolume);
            CommandResult show = await host.RunAsync(CommandLine.Create(Btrfs, "subvolume", "show", path), TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            if (!show.Succeeded)
            {
                problems.Add($"subvolume '{subvolume}' not found at {path}: {FirstLine(show.StandardError)}");
            }
        }

        string directory = config.SnapshotDirectory.For(role);
        CommandResult same = await host.RunAsync(
            CommandLine.ShellScript("mkdir -p -- \"$1\" 2>/dev/null; [ -d \"$1\" ] || { echo missing; exit 0; }; [ \"$(stat -c %d -- \"$1\")\" = \"$(stat -c %d -- \"$2\")\" ] || echo other; exit 0",
                directory, FileSystemOf(config, role)),
            TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        switch (same.StandardOutput.Trim())
        {
            case "missing":
                problems.Add($"snapshot directory '{directory}' does not exist and cannot be created");
                break;
            case "other":
                problems.Add($"snapshot directory '{directory}' is on another file system than {FileSystemOf(config, role)}");
                break;
        }

        return problems;
    }

    public static async Task<SyncSnapshot> CreateAsync(
        ICommandExecutor host, SnapshotConfig config, SyncHost role, string hostname, string subvolume, string phase, DateTimeOffset stamp, string sessionId, CancellationToken cancellationToken)
    {
        string name = SnapshotName(subvolume, phase, stamp, sessionId);
        string path = Path.Combine(config.SnapshotDirectory.For(role), name);
        CommandResult result = await host.RunAsync(
            CommandLine.Create(Btrfs, "subvolume", "snapshot", "-r", SubvolumePath(config, role, subvolume), path), TimeSpan.FromMinutes(5), cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new DiskToolsException("SnapshotFailed", ErrorKind.WriteError, $"Cannot snapshot '{subvolume}' on {hostname}: {FirstLine(result.StandardError)}", path);
        }

        return new SyncSnapshot(hostname, role, subvolume, phase, name, path, stamp);
    }

    /// <summary>Keeps the newest KeepRecent sessions; older sessions go unless younger than MaxAgeDays. Returns what was deleted.</summary>
    public static async Task<IReadOnlyList<string>> ApplyRetentionAsync(ICommandExecutor host, SnapshotConfig config, SyncHost role, CancellationToken cancellationToken)
    {
        string directory = config.SnapshotDirectory.For(role);
        CommandResult list = await host.RunAsync(CommandLine.Create("ls", "-1", "--", directory), TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        var ours = new List<(string Name, string Session, DateTimeOffset Stamp)>();
        foreach (string name in list.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (TryParseName(name, config.Subvolumes, out string session, out DateTimeOffset stamp))
            {
                ours.Add((name, session, stamp));
            }
        }

        DateTimeOffset cutoff = DateTimeOffset.UtcNow.AddDays(-(config.MaxAgeDays ?? 0));
        var sessions = ours.GroupBy(s => s.Session).Select(g => (Session: g.Key, Newest: g.Max(x => x.Stamp))).OrderByDescending(s => s.Newest).ToList();
        HashSet<string> doomed = [.. sessions.Skip(config.KeepRecent).Where(s => config.MaxAgeDays is null || s.Newest < cutoff).Select(s => s.Session)];
        var removed = new List<string>();
        foreach ((string name, string session, _) in ours.Where(s => doomed.Contains(s.Session)))
        {
            string path = Path.Combine(directory, name);
            CommandResult delete = await host.RunAsync(CommandLine.Create(Btrfs, "subvolume", "delete", path), TimeSpan.FromMinutes(5), cancellationToken).ConfigureAwait(false);
            if (!delete.Succeeded)
            {
                throw new DiskToolsException("SnapshotDeleteFailed", ErrorKind.WriteError, $"Cannot delete snapshot '{path}': {FirstLine(delete.StandardError)}", path);
            }

            removed.Add(path);
        }

        return removed;
    }

    internal static bool TryParseName(string name, IEnumerable<string> subvolumes, out string session, out DateTimeOffset stamp)
    {
        session = string.Empty;
        stamp = default;
        foreach (string subvolume in subvolumes)
        {
            foreach (string phase in new[] { "presync", "postsync" })
            {
                string prefix = subvolume + "-" + phase + "-";
                if (name.StartsWith(prefix, StringComparison.Ordinal) && name.Length == prefix.Length + 15 + 1 + 8
                    && DateTime.TryParseExact(name.AsSpan(prefix.Length, 15), "yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture,
                        DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTime time)
                    && name[prefix.Length + 15] == '-' && SessionIds.IsValid(name[(prefix.Length + 16)..]))
                {
                    session = name[(prefix.Length + 16)..];
                    stamp = new DateTimeOffset(time, TimeSpan.Zero);
                    return true;
                }
            }
        }

        return false;
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
