using DiskTools.Engine.Remoting;

namespace DiskTools.Engine.Sync.Safety;

/// <summary>Checks that a host has the programs a session needs, naming the package of each one missing.</summary>
public static class HostRequirements
{
    public static readonly IReadOnlyDictionary<string, string> Packages = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["btrfs"] = "btrfs-progs",
        ["rsync"] = "rsync",
        ["df"] = "coreutils",
        ["flock"] = "util-linux",
        ["ssh"] = "openssh-client",
    };

    // sbin is added because btrfs lives there and a non-root login's PATH often lacks it.
    private const string Script = "PATH=\"$PATH:/usr/sbin:/sbin\"; for c; do command -v \"$c\" >/dev/null 2>&1 || echo \"$c\"; done; exit 0";

    /// <summary>The programs in <paramref name="programs"/> that the host lacks.</summary>
    public static async Task<IReadOnlyList<string>> MissingAsync(ICommandExecutor host, IEnumerable<string> programs, CancellationToken cancellationToken)
    {
        CommandResult result = await host.RunAsync(CommandLine.ShellScript(Script, [.. programs]), TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    public static DiskToolsException MissingError(string hostname, string role, IReadOnlyList<string> missing)
        => new(ErrorIds.SyncPrerequisiteMissing, ErrorKind.NotInstalled,
            $"{hostname} ({role}) lacks {string.Join(", ", missing.Select(m => $"'{m}' (package {Packages.GetValueOrDefault(m, m)})"))}; install {(missing.Count == 1 ? "it" : "them")} and try again.",
            hostname);
}
