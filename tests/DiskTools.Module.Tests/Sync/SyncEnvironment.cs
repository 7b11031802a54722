using System.Diagnostics;
using System.Text.Json;
using DiskTools.Module.Tests.Infrastructure;
using DiskTools.TestFixtures;
using Xunit;

namespace DiskTools.Module.Tests.Sync;

/// <summary>
/// One source and one target, both real: each has its own loop-mounted btrfs volume with a subvolume
/// @data and a snapshot directory; the target is reached through a private sshd on localhost that runs in
/// a mount namespace of its own (its own /etc/machine-id and /run, so it is another machine as far as a
/// session can tell, with its own lock directory). The XDG directories and the source's runtime directory
/// point into a temp folder so sessions never touch the real user's logs, config or locks.
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

        Environment.SetEnvironmentVariable("DISKTOOLS_RUNTIME_DIR", LockDirectory);
        // The target keeps DiskTools data of its own (it may run sessions too): its XDG_DATA_HOME is a link,
        // made once the target volume exists, into the target's snapshotted @data.
        string targetShare = Path.Combine(Home, "target-share");
        // The target's ~/.bashrc (bash reads it before every command an SSH session runs) puts a btrfs first on
        // the PATH that, while a test holds DelayTargetSnapshots(), keeps a snapshot waiting, as a slow disk or a
        // busy host would; while a test holds TargetStderrBeforeRsync() the rc file writes that text to stderr
        // before rsync's server starts, as a chatty or hostile rc file would.
        string targetBin = Path.Combine(Home, "target-bin");
        Directory.CreateDirectory(targetBin);
        WriteTargetTool(targetBin, "btrfs", ["/usr/sbin", "/sbin", "/usr/bin", "/bin"], $"""
            if [ -f '{SnapshotDelayFile}' ]; then
                case "$*" in *"subvolume snapshot -r"*) sleep "$(cat '{SnapshotDelayFile}')";; esac
            fi
            """);

        // And an rsync that notes every start (its arguments, one line) before it becomes the real one, so a test
        // can tell whether an rsync server ever ran on the target, however briefly.
        WriteTargetTool(targetBin, "rsync", ["/usr/bin", "/bin", "/usr/local/bin"], $"""
            printf '%s\n' "$*" >> '{RsyncStartsFile}'
            """);

        // And a df that, while a test holds TargetDfWaitsUntil(), waits (up to 30 s) until the test's condition (a
        // shell command) holds: what comes after it then runs in the state the test waited for.
        WriteTargetTool(targetBin, "df", ["/usr/bin", "/bin"], $"""
            if [ -f '{DfWaitFile}' ]; then
                i=0
                while [ "$i" -lt 600 ] && ! sh -c "$(cat '{DfWaitFile}')" >/dev/null 2>&1; do sleep 0.05; i=$((i+1)); done
            fi
            """);

        File.WriteAllText(TargetRcFile, $"""
            PATH='{targetBin}':$PATH; export PATH
            if [ -f '{RsyncShellDelayFile}' ]; then
                case $BASH_EXECUTION_STRING in *"rsync --server"*) sleep "$(cat '{RsyncShellDelayFile}')";; esac
            fi
            if [ -f '{RsyncStderrFile}' ]; then
                case $BASH_EXECUTION_STRING in *"rsync --server"*) cat '{RsyncStderrFile}' >&2;; esac
            fi

            """);
        Server = SshServer.StartIsolated(new SshIsolation
        {
            SessionEnvironment = new Dictionary<string, string> { ["XDG_DATA_HOME"] = targetShare },
            ShellRcFile = TargetRcFile,
        });
        Source = NewVolume(256L << 20);
        Target = NewTargetVolume(256L << 20);
        Directory.CreateDirectory(TargetDataHome);
        Directory.CreateSymbolicLink(targetShare, TargetDataHome);
        Session = new ModuleSession();
    }

    /// <summary>A script named <paramref name="name"/> in <paramref name="bin"/> that runs <paramref name="before"/> and then becomes the real program, found in <paramref name="dirs"/>.</summary>
    private static void WriteTargetTool(string bin, string name, string[] dirs, string before)
    {
        string real = dirs.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists) ?? name;
        string path = Path.Combine(bin, name);
        File.WriteAllText(path, $"#!/bin/sh\n{before}\nexec '{real}' \"$@\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
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

    /// <summary>Where XDG_DATA_HOME of every SSH session on the target leads: its own DiskTools logs live below it.</summary>
    public string TargetDataHome => Path.Combine(Data(Target), "home", ".local", "share");

    public string LockDirectory => Path.Combine(Home, "run", "disktools");

    private string TargetRcFile => Path.Combine(Home, "target-rc.sh");

    private string SnapshotDelayFile => Path.Combine(Home, "delay-target-snapshots");

    private string DfWaitFile => Path.Combine(Home, "target-df-waits-for-rsync");

    private string RsyncShellDelayFile => Path.Combine(Home, "delay-target-rsync-shells");

    /// <summary>
    /// Until disposed, the target's login shell for every rsync server (or the shell that waits to become one)
    /// spends <paramref name="seconds"/> in its rc file first (the sleep's argument, so it can be found), as a
    /// heavy rc file would.
    /// </summary>
    public IDisposable DelayTargetRsyncShells(string seconds)
    {
        File.WriteAllText(RsyncShellDelayFile, seconds);
        return new Undo(() => File.Delete(RsyncShellDelayFile));
    }

    /// <summary>Until disposed, every df on the target first waits (at most 30 s) until <paramref name="condition"/>, a shell command run there, succeeds.</summary>
    public IDisposable TargetDfWaitsUntil(string condition)
    {
        File.WriteAllText(DfWaitFile, condition);
        return new Undo(() => File.Delete(DfWaitFile));
    }

    private string RsyncStderrFile => Path.Combine(Home, "target-rsync-stderr");

    private string RsyncStartsFile => Path.Combine(Home, "target-rsync-starts");

    /// <summary>The rsync processes (servers and dry runs) that started on the target with <paramref name="text"/> in their arguments.</summary>
    public IReadOnlyList<string> TargetRsyncStartsWith(string text)
        => File.Exists(RsyncStartsFile) ? [.. ReadShared(RsyncStartsFile).Split('\n').Where(l => l.Contains(text, StringComparison.Ordinal))] : [];

    /// <summary>
    /// Until disposed, every snapshot command on the target waits <paramref name="seconds"/> in the login
    /// shell's rc file before it starts (the sleep's argument is <paramref name="seconds"/>, so it can be found).
    /// </summary>
    public IDisposable DelayTargetSnapshots(string seconds)
    {
        File.WriteAllText(SnapshotDelayFile, seconds);
        return new Undo(() => File.Delete(SnapshotDelayFile));
    }

    /// <summary>
    /// Until disposed, the target's login shell writes <paramref name="text"/> (exactly these characters, control
    /// characters included) to stderr before every rsync server it starts.
    /// </summary>
    public IDisposable TargetStderrBeforeRsync(string text)
    {
        File.WriteAllText(RsyncStderrFile, text);
        return new Undo(() => File.Delete(RsyncStderrFile));
    }

    /// <summary>Processes whose command line holds <paramref name="text"/> (any namespace: only the mounts differ).</summary>
    public static IReadOnlyList<(int Pid, string CommandLine)> ProcessesWith(string text)
    {
        var found = new List<(int, string)>();
        foreach ((int pid, string dir) in Processes())
        {
            if (pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                string cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains(text, StringComparison.Ordinal))
                {
                    found.Add((pid, cmdline));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Exited while we looked.
            }
        }

        return found;
    }

    private sealed class Undo(Action action) : IDisposable
    {
        public void Dispose() => action();
    }

    /// <summary>The source's lock (this process's side).</summary>
    public string SourceLock => Path.Combine(LockDirectory, "sync.lock");

    /// <summary>The target's lock, as seen from here (root's runtime directory in the server's namespace).</summary>
    public string TargetLock => Server.PathInside("/run/disktools/sync.lock");

    /// <summary>A volume on the target's side (visible inside the server's namespace).</summary>
    public BtrfsVolume NewTargetVolume(long size) => NewVolume(size, Server.SharedDirectory);

    public static BtrfsVolume NewVolume(long size, string? parent = null)
    {
        BtrfsVolume volume = BtrfsVolume.CreateUnder(parent, size, "@data");
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

    /// <summary>True when nothing holds the lock file (flock -n succeeds) and no child of its session holds the children's file.</summary>
    public static bool LockIsFree(string path)
    {
        if (!File.Exists(path))
        {
            return true;
        }

        using var flock = Process.Start(new ProcessStartInfo("flock", ["-n", path, "true"]))!;
        flock.WaitForExit();
        // A source's lock also counts as held while a child of its session holds the children's file: each holds
        // it open for as long as it lives (taking the lock to find out would get in a starting session's way).
        return flock.ExitCode == 0 && !IsOpenByAnyProcess(path + ".children");
    }

    /// <summary>Whether any process has <paramref name="path"/> open, from the descriptors listed under /proc.</summary>
    public static bool IsOpenByAnyProcess(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        foreach (string fds in Directory.EnumerateDirectories("/proc", "[0-9]*").Select(p => Path.Combine(p, "fd")))
        {
            try
            {
                if (Directory.EnumerateFileSystemEntries(fds).Any(fd => new FileInfo(fd).LinkTarget == path))
                {
                    return true;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended meanwhile.
            }
        }

        return false;
    }

    /// <summary>rsync processes that work on <paramref name="root"/> (by command line or working directory).</summary>
    public static IReadOnlyList<int> RsyncProcessesUnder(string root)
    {
        var found = new List<int>();
        foreach ((int pid, string dir) in Processes())
        {
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

    /// <summary>
    /// The launcher running <paramref name="command"/> as a process of its own (so a test can signal it), its
    /// output read and dropped; with <paramref name="path"/>, that PATH (stand-in tools first).
    /// </summary>
    public static Process StartLauncher(string command, string? path = null)
    {
        var start = new ProcessStartInfo(ModuleSession.LauncherPath, ["-Command", command])
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
        };
        start.Environment.Remove("DISKTOOLS_MODULE");
        if (path is not null)
        {
            start.Environment["PATH"] = path;
        }

        Process process = Process.Start(start)!;
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test once <paramref name="timeout"/> has passed.</summary>
    public static void WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < timeout, "condition not met in time");
            Thread.Sleep(50);
        }
    }

    /// <summary>Every process on the machine (any namespace: only the mounts differ) and its /proc directory.</summary>
    private static IEnumerable<(int Pid, string Dir)> Processes()
    {
        foreach (string dir in Directory.GetDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out int pid))
            {
                yield return (pid, dir);
            }
        }
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
