using System.Diagnostics;
using System.Text.Json;
using DiskTools.Module.Tests.Infrastructure;
using DiskTools.TestFixtures;
using Xunit;

namespace DiskTools.Module.Tests.Sync;

/// <summary>
/// One source and one target, both real: each has its own loop-mounted btrfs volume with a subvolume
/// @data and a snapshot directory; the target is reached through a private sshd on localhost. The XDG
/// directories point into a temp folder so sessions never touch the real user's logs, config or locks.
/// Sync tests share this and run one after another (one session per host is the rule being tested).
/// </summary>
public sealed class SyncEnvironment : IDisposable
{
    private readonly Exception? unavailable;

    public SyncEnvironment()
    {
        try
        {
            Prerequisite.Require(Prerequisite.IsRoot, "sync sessions snapshot btrfs volumes, which needs root");
            Prerequisite.Require(Prerequisite.FindExecutable("rsync") is not null, "rsync not found; install the 'rsync' package");
            Prerequisite.Require(Prerequisite.FindExecutable("flock") is not null, "flock not found; install 'util-linux'");
        }
        catch (Exception e)
        {
            // Reported by each test through Require(), so a missing prerequisite skips (or fails in CI) there.
            unavailable = e;
            Home = null!;
            Session = null!;
            Server = null!;
            Source = Target = null!;
            return;
        }

        Home = Directory.CreateTempSubdirectory("disktools-sync-home-").FullName;
        foreach ((string name, string dir) in new[] { ("XDG_DATA_HOME", "data"), ("XDG_RUNTIME_DIR", "run"), ("XDG_CONFIG_HOME", "config") })
        {
            Directory.CreateDirectory(Path.Combine(Home, dir));
            Environment.SetEnvironmentVariable(name, Path.Combine(Home, dir));
        }

        Server = SshServer.StartPrivate();
        Source = NewVolume(256L << 20);
        Target = NewVolume(256L << 20);
        Session = new ModuleSession();
    }

    /// <summary>Skips (or fails in CI) when the machine cannot host sync sessions.</summary>
    public void Require()
    {
        if (unavailable is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(unavailable).Throw();
        }
    }

    public string Home { get; }

    public SshServer Server { get; }

    public BtrfsVolume Source { get; }

    public BtrfsVolume Target { get; }

    public ModuleSession Session { get; }

    public string LogDirectory => Path.Combine(Home, "data", "disktools", "logs");

    public string LockDirectory => Path.Combine(Home, "run", "disktools");

    public static BtrfsVolume NewVolume(long size)
    {
        BtrfsVolume volume = BtrfsVolume.Create(size, "@data");
        Directory.CreateDirectory(Path.Combine(volume.MountPoint, ".snapshots"));
        return volume;
    }

    /// <summary>A config for these volumes: the common part plus <paramref name="jobs"/> (YAML, top level).</summary>
    public string WriteConfig(string jobs, BtrfsVolume? target = null, string disk = "preflight_minimum: 5%\n  runtime_minimum: 3%\n  check_interval: 1")
    {
        target ??= Target;
        string yaml = $"""
            log_file_level: FULL
            log_cli_level: INFO
            disk:
              {disk}
              path: {Pair(Source.MountPoint, target.MountPoint)}
            btrfs_snapshots:
              subvolumes: ["@data"]
              filesystem: {Pair(Source.MountPoint, target.MountPoint)}
              snapshot_directory: {Pair(Snapshots(Source), Snapshots(target))}
              keep_recent: 2
            {jobs}
            """;
        string path = Path.Combine(Home, $"sync-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    public static string Snapshots(BtrfsVolume volume) => Path.Combine(volume.MountPoint, ".snapshots");

    public static string Data(BtrfsVolume volume) => Path.Combine(volume.MountPoint, "@data");

    public static string[] SnapshotNames(BtrfsVolume volume) => [.. Directory.GetDirectories(Snapshots(volume)).Select(Path.GetFileName).Order()!];

    /// <summary>The script that starts a session against this environment's target.</summary>
    public string StartScript(string extra = "")
        => $"Start-SyncSession -ComputerName $args[0] -SshConfigPath $args[1] -ConfigPath $args[2] {extra}";

    public object[] Args(string config) => [Server.Alias, Server.ConfigPath, config];

    public InvocationResult Run(string config, string extra = "") => Session.Invoke(StartScript(extra), Args(config));

    /// <summary>Waits until a running session's log says <paramref name="marker"/>; returns the log path.</summary>
    public string WaitForLog(string marker, TimeSpan timeout, ISet<string>? ignore = null)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (Directory.Exists(LogDirectory))
            {
                foreach (string file in Directory.GetFiles(LogDirectory))
                {
                    if (ignore?.Contains(file) != true && ReadShared(file).Contains(marker, StringComparison.Ordinal))
                    {
                        return file;
                    }
                }
            }

            Thread.Sleep(100);
        }

        throw new TimeoutException($"No session log said '{marker}' within {timeout}.");
    }

    public static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd();
    }

    public static IReadOnlyList<JsonElement> LogLines(string path)
        => [.. ReadShared(path).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    /// <summary>True when nothing holds the lock file (flock -n succeeds).</summary>
    public static bool LockIsFree(string path)
    {
        if (!File.Exists(path))
        {
            return true;
        }

        using var flock = Process.Start(new ProcessStartInfo("flock", ["-n", path, "true"]))!;
        flock.WaitForExit();
        return flock.ExitCode == 0;
    }

    /// <summary>rsync processes that work on <paramref name="root"/> (by command line or working directory).</summary>
    public static IReadOnlyList<int> RsyncProcessesUnder(string root)
    {
        var found = new List<int>();
        foreach (string dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid))
            {
                continue;
            }

            try
            {
                if (File.ReadAllText(Path.Combine(dir, "comm")).Trim() != "rsync")
                {
                    continue;
                }

                string cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                string cwd = new DirectoryInfo(Path.Combine(dir, "cwd")).ResolveLinkTarget(false)?.FullName ?? string.Empty;
                if (cmdline.Contains(root, StringComparison.Ordinal) || cwd.StartsWith(root, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while we looked.
            }
        }

        return found;
    }

    public void Dispose()
    {
        if (unavailable is not null)
        {
            return;
        }

        Session.Dispose();
        Source.Dispose();
        Target.Dispose();
        Server.Dispose();
        try
        {
            Directory.Delete(Home, true);
        }
        catch (IOException)
        {
        }
    }

    private static string Pair(string source, string target) => $"{{ source: \"{source}\", target: \"{target}\" }}";
}

[CollectionDefinition(Name)]
public sealed class SyncCollection : ICollectionFixture<SyncEnvironment>
{
    public const string Name = "Sync sessions";
}
