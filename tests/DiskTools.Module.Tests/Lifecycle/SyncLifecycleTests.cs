using System.Diagnostics;
using System.Text.Json;
using DiskTools.Module.Tests.Sync;
using DiskTools.TestFixtures;
using Xunit;
using Xunit.Abstractions;

namespace DiskTools.Module.Tests.Lifecycle;

/// <summary>
/// Nothing outlives a sync session, however the process running it ends: a terminating error under
/// -ErrorAction Stop, SIGTERM or SIGHUP (timeout, systemctl stop, a dropped login) end it through Cleanup
/// as Interrupted before anything else runs; after SIGKILL its children on both hosts die with it. Real
/// pwsh and the launcher, real rsync over a real sshd, real btrfs.
/// </summary>
[Collection(SyncCollection.Name)]
public sealed class SyncLifecycleTests(SyncEnvironment env, ITestOutputHelper output)
{
    private const int SigHup = 1;
    private const int SigKill = 9;
    private const int SigTerm = 15;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private const string SessionScript = """
        $null = Start-SyncSession -ComputerName $args[0] -SshConfigPath $args[1] -ConfigPath $args[2]
        'AFTER-SESSION'
        """;

    [SkippableTheory]
    [InlineData(Shell.Pwsh)]
    [InlineData(Shell.Launcher)]
    public void ErrorAction_Stop_ends_the_session_through_cleanup_before_the_catch_runs(Shell shell)
    {
        env.Require();
        string config = SlowFolderConfig("erroraction", """
            sync_jobs: { dummy_success: true, folder_sync: true }
            dummy_success: { duration_seconds: 0, log_error: true }
            """);
        HashSet<string> earlier = ExistingLogs();
        using ShellProcess run = ShellProcess.Start(shell, """
            try {
                $null = Start-SyncSession -ComputerName $args[0] -SshConfigPath $args[1] -ConfigPath $args[2] -ErrorAction Stop
                'NOT THROWN'
            }
            catch {
                "CAUGHT $($_.FullyQualifiedErrorId)"
                $null = [Console]::In.ReadLine()
            }
            """, env.Args(config).Cast<string>().ToArray());
        string caught = run.WaitForLine("CAUGHT ", Patience);
        output.WriteLine(caught);

        // At the catch, the cmdlet has returned: its session must be over, cleanup included.
        string log = env.WaitForLog("\"job\":\"dummy_success\"", TimeSpan.FromSeconds(5), earlier);
        JsonElement finished = Assert.Single(SyncEnvironment.LogLines(log), l => l.TryGetProperty("record", out JsonElement r) && r.GetString() == "session_finished");
        output.WriteLine(finished.ToString());
        Assert.Equal("Interrupted", finished.GetProperty("status").GetString());
        Assert.StartsWith("SyncError", caught["CAUGHT ".Length..], StringComparison.Ordinal);
        Assert.Empty(SyncEnvironment.RsyncProcessesUnder(env.Source.MountPoint));
        Assert.DoesNotContain(ProcessTree.Descendants(run.Id), p => p.Command is "rsync" or "ssh" or "sleep");
        Assert.True(SyncEnvironment.LockIsFree(env.SourceLock), "the source's lock is still held");
        WaitUntil(() => SyncEnvironment.RsyncProcessesUnder(env.Target.MountPoint).Count == 0, TimeSpan.FromSeconds(10));
        run.WriteLine(string.Empty);
        Assert.Equal(0, run.WaitForExit(Patience));
        Assert.DoesNotContain("NOT THROWN", run.Stdout, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData(Shell.Pwsh, SigTerm)]
    [InlineData(Shell.Pwsh, SigHup)]
    [InlineData(Shell.Launcher, SigTerm)]
    [InlineData(Shell.Launcher, SigHup)]
    public void A_termination_signal_ends_the_session_through_cleanup_as_Interrupted_within_2_s(Shell shell, int signal)
    {
        env.Require();
        string config = SlowFolderConfig($"signal-{shell}-{signal}", "sync_jobs: { folder_sync: true }");
        // DEBUG: the log then times each step of the cleanup, printed below.
        File.WriteAllText(config, File.ReadAllText(config).Replace("log_file_level: FULL", "log_file_level: DEBUG", StringComparison.Ordinal));
        HashSet<string> earlier = ExistingLogs();
        // Whatever runs on the target before the session is not the session's.
        IReadOnlyList<ProcessEntry> before = OnTarget();
        using ShellProcess run = ShellProcess.Start(shell, SessionScript, env.Args(config).Cast<string>().ToArray());
        string log = WaitForLog(run, earlier);
        // Mid-rsync on both hosts: the rsync server runs on the target (not just the client naming the target's path).
        WaitUntil(() => SessionOnTarget(before).Any(p => p.Command == "rsync"), Patience);
        IReadOnlyList<ProcessEntry> local = ProcessTree.Descendants(run.Id);
        IReadOnlyList<ProcessEntry> remote = SessionOnTarget(before);
        output.WriteLine($"local children: {string.Join(", ", local)}\nthe session's on the target: {string.Join(", ", remote)}");
        Assert.Contains(local, p => p.Command == "rsync");

        var watch = Stopwatch.StartNew();
        DateTimeOffset signalled = DateTimeOffset.UtcNow;
        run.Signal(signal);
        int exitCode = run.WaitForExit(Patience);
        TimeSpan shellGone = watch.Elapsed;

        // Nothing of the session may be left on the target 2 s after the signal (counted from the signal, not from
        // the shell's exit): no rsync server, lock holder, watcher, login shell or sshd of its connections, including
        // any started after the snapshot above.
        TimeSpan targetClean = WaitUntilSince(watch, TimeSpan.FromSeconds(2),
            () => SessionOnTarget(before).Count == 0 && SyncEnvironment.RsyncProcessesUnder(env.Target.MountPoint).Count == 0,
            () => $"left on the target {watch.Elapsed.TotalMilliseconds:0} ms after signal {signal}: {string.Join(", ", SessionOnTarget(before))}"
                + $"; rsync under the target: {string.Join(", ", SyncEnvironment.RsyncProcessesUnder(env.Target.MountPoint))}\n{run}");
        output.WriteLine($"signal {signal} at {signalled:HH:mm:ss.fff}: exit {exitCode} after {shellGone.TotalMilliseconds:0} ms, the target clean after {targetClean.TotalMilliseconds:0} ms\n{run}");
        // What the session logged from the signal on, for when a bound is missed.
        foreach (JsonElement line in SyncEnvironment.LogLines(log).Where(l => l.GetProperty("timestamp").GetDateTimeOffset() >= signalled))
        {
            output.WriteLine($"{line.GetProperty("timestamp").GetDateTimeOffset():HH:mm:ss.fff} {line.GetProperty("job").GetString()}: {line.GetProperty("event").GetString()}");
        }

        Assert.True(shellGone < TimeSpan.FromSeconds(2), $"the shell took {shellGone} to end");
        Assert.Equal(128 + signal, exitCode);
        Assert.DoesNotContain("AFTER-SESSION", run.Stdout, StringComparison.Ordinal);
        IReadOnlyList<JsonElement> lines = SyncEnvironment.LogLines(log);
        Assert.Contains(lines, l => l.GetProperty("event").GetString()!.StartsWith("Interrupted; cleaning up.", StringComparison.Ordinal));
        JsonElement finished = Assert.Single(lines, l => l.TryGetProperty("record", out JsonElement r) && r.GetString() == "session_finished");
        Assert.Equal("Interrupted", finished.GetProperty("status").GetString());
        Assert.DoesNotContain(local, p => p.Alive);
        Assert.True(SyncEnvironment.LockIsFree(env.SourceLock), "the source's lock is still held");
        Assert.True(SyncEnvironment.LockIsFree(env.TargetLock), "the target's lock is still held");
    }

    [SkippableTheory]
    [InlineData(Shell.Pwsh)]
    [InlineData(Shell.Launcher)]
    public void After_SIGKILL_every_child_dies_on_both_hosts_and_no_lock_frees_while_one_still_writes(Shell shell)
    {
        env.Require();
        string config = SlowFolderConfig($"kill-{shell}", "sync_jobs: { folder_sync: true }");
        HashSet<string> earlier = ExistingLogs();
        using ShellProcess run = ShellProcess.Start(shell, SessionScript, env.Args(config).Cast<string>().ToArray());
        WaitForLog(run, earlier);
        WaitUntil(() => SyncEnvironment.RsyncProcessesUnder(env.Target.MountPoint).Count > 0, Patience);
        IReadOnlyList<ProcessEntry> local = ProcessTree.Descendants(run.Id);
        IReadOnlyList<ProcessEntry> remote = ProcessTree.Descendants(env.Server.ProcessId);
        output.WriteLine($"local children: {string.Join(", ", local)}\nremote (under sshd): {string.Join(", ", remote)}");
        Assert.Contains(local, p => p.Command == "rsync");

        var watch = Stopwatch.StartNew();
        run.Signal(SigKill);
        Assert.Equal(128 + SigKill, run.WaitForExit(Patience));

        // Whenever a lock is seen free, nothing of the session may still write on that host.
        string sourceLock = env.SourceLock;
        bool sourceFree = false, targetFree = false;
        TimeSpan localGone = TimeSpan.Zero, remoteGone = TimeSpan.Zero;
        while (!(sourceFree && targetFree && localGone > TimeSpan.Zero && remoteGone > TimeSpan.Zero))
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"left after {watch.Elapsed}: {string.Join(", ", local.Concat(remote).Where(p => p.Alive))}");
            if (!sourceFree && SyncEnvironment.LockIsFree(sourceLock))
            {
                sourceFree = true;
                IReadOnlyList<int> writing = SyncEnvironment.RsyncProcessesUnder(env.Source.MountPoint);
                Assert.True(writing.Count == 0, $"the source's lock was free {watch.Elapsed.TotalMilliseconds:0} ms after SIGKILL while rsync still ran here: "
                    + string.Join(", ", writing.Select(pid => $"{ProcessTree.Read(pid)} parent {ProcessTree.Read(pid)?.ParentPid}")));
            }

            if (!targetFree && TargetLockFree())
            {
                targetFree = true;
                IReadOnlyList<int> writing = SyncEnvironment.RsyncProcessesUnder(env.Target.MountPoint);
                Assert.True(writing.Count == 0, $"the target's lock was free {watch.Elapsed.TotalMilliseconds:0} ms after SIGKILL while rsync still ran there: "
                    + string.Join(", ", writing.Select(pid => $"{ProcessTree.Read(pid)} parent {ProcessTree.Read(pid)?.ParentPid}")));
            }

            if (localGone == TimeSpan.Zero && !local.Any(p => p.Alive))
            {
                localGone = watch.Elapsed;
            }

            if (remoteGone == TimeSpan.Zero && !remote.Any(p => p.Alive))
            {
                remoteGone = watch.Elapsed;
            }

            Thread.Sleep(20);
        }

        output.WriteLine($"after SIGKILL: local children gone after {localGone.TotalMilliseconds:0} ms, the target's after {remoteGone.TotalMilliseconds:0} ms");
        // The target's holder ended through its trap (its connection was lost, it was not killed outright): it
        // cleared its line, so the next session finds no stale holder there.
        Assert.Equal(0, new FileInfo(env.TargetLock).Length);
        Assert.True(localGone < TimeSpan.FromSeconds(2), $"local children outlived the shell by {localGone}");
    }

    [SkippableFact]
    public void After_SIGKILL_the_targets_lock_is_held_until_an_rsync_server_that_lingers_there_is_gone()
    {
        env.Require();
        string config = SlowFolderConfig("kill-lingering", "sync_jobs: { folder_sync: true }");
        HashSet<string> earlier = ExistingLogs();
        IReadOnlyList<ProcessEntry> before = OnTarget();
        using ShellProcess run = ShellProcess.Start(Shell.Launcher, SessionScript, env.Args(config).Cast<string>().ToArray());
        WaitForLog(run, earlier);
        WaitUntil(() => SessionOnTarget(before).Count(p => p.Command == "rsync") >= 2, Patience);
        // The rsync server on the target stopped: it cannot see its client go, as a server stuck on a slow disk
        // cannot. Left to itself it would write on once it runs again.
        IReadOnlyList<ProcessEntry> servers = [.. SessionOnTarget(before).Where(p => p.Command == "rsync")];
        output.WriteLine($"rsync server on the target: {string.Join(", ", servers)}");
        try
        {
            foreach (ProcessEntry server in servers)
            {
                ProcessRunner.Run("kill", "-STOP", server.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            Assert.False(TargetLockFree(), "the target's lock is not held while the session runs");
            var watch = Stopwatch.StartNew();
            run.Signal(SigKill);
            Assert.Equal(128 + SigKill, run.WaitForExit(Patience));

            // As long as any of the server lives, the target's lock must stay held; then both must be gone.
            while (servers.Any(p => p.Alive) || !TargetLockFree())
            {
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"after {watch.Elapsed}: server left {string.Join(", ", servers.Where(p => p.Alive))}, target lock free: {TargetLockFree()}");
                bool free = TargetLockFree();
                Assert.False(free && servers.Any(p => p.Alive),
                    $"the target's lock was free {watch.Elapsed.TotalMilliseconds:0} ms after SIGKILL while its rsync server still lived: {string.Join(", ", servers.Where(p => p.Alive))}");
                Thread.Sleep(20);
            }

            output.WriteLine($"the server gone and the target's lock free {watch.Elapsed.TotalMilliseconds:0} ms after SIGKILL");
            Assert.Empty(Directory.GetFiles(env.Server.PathInside("/run/disktools"), "rsync-*.pid"));
            Assert.Equal(0, new FileInfo(env.TargetLock).Length);
        }
        finally
        {
            foreach (ProcessEntry server in servers.Where(p => p.Alive))
            {
                ProcessRunner.TryRun("kill", ["-KILL", server.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            }
        }
    }

    private string SlowFolderConfig(string name, string jobs)
    {
        string src = Path.Combine(SyncEnvironment.Data(env.Source), name);
        string dst = Path.Combine(SyncEnvironment.Data(env.Target), name);
        Directory.CreateDirectory(src);
        using (FileStream big = File.Create(Path.Combine(src, "big.bin")))
        {
            big.Write(new byte[4 << 20]); // about a minute at the limit below: the tests end it long before
        }

        return env.WriteConfig($$"""
            {{jobs}}
            folder_sync:
              bwlimit_kib: 64
              folders: [{ source: "{{src}}", target: "{{dst}}" }]
            """, disk: "check_interval: 30");
    }

    /// <summary>Waits until the session's folder_sync job has started; says what the shell printed when it never does.</summary>
    private string WaitForLog(ShellProcess run, HashSet<string> earlier)
    {
        try
        {
            return env.WaitForLog("\"job\":\"folder_sync\"", Patience, earlier);
        }
        catch (TimeoutException e)
        {
            string[] logs = Directory.Exists(env.LogDirectory) ? [.. Directory.GetFiles(env.LogDirectory).Where(f => !earlier.Contains(f))] : [];
            throw new TimeoutException($"{e.Message}\n{run}\nnew logs:\n{string.Join("\n", logs.Select(SyncEnvironment.ReadShared))}", e);
        }
    }

    private HashSet<string> ExistingLogs() => Directory.Exists(env.LogDirectory) ? [.. Directory.GetFiles(env.LogDirectory)] : [];

    private bool TargetLockFree() => SyncEnvironment.LockIsFree(env.TargetLock);

    /// <summary>
    /// Live processes on the target that were not there <paramref name="before"/>: the session's. The target is
    /// the server's mount namespace, so this finds a process orphaned there too (reparented away from sshd).
    /// </summary>
    private IReadOnlyList<ProcessEntry> SessionOnTarget(IReadOnlyList<ProcessEntry> before)
    {
        string? targetNamespace = MountNamespace(env.Server.ProcessId);
        return [.. ProcessTree.All().Where(p => p.Pid != env.Server.ProcessId && !ProcessTree.IsZombie(p.Pid)
            && !before.Any(b => b.Pid == p.Pid && b.StartTicks == p.StartTicks)
            && targetNamespace is not null && MountNamespace(p.Pid) == targetNamespace)];
    }

    /// <summary>The live processes on the target now (in the server's mount namespace, the server itself aside).</summary>
    private IReadOnlyList<ProcessEntry> OnTarget() => SessionOnTarget([]);

    private static string? MountNamespace(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/ns/mnt").LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Polls <paramref name="condition"/> until it holds and returns how long after <paramref name="since"/>
    /// started that was; fails with <paramref name="describe"/> once <paramref name="bound"/> has passed since then.
    /// </summary>
    private static TimeSpan WaitUntilSince(Stopwatch since, TimeSpan bound, Func<bool> condition, Func<string> describe)
    {
        while (true)
        {
            TimeSpan checkedAt = since.Elapsed;
            bool holds = condition();
            Assert.True(checkedAt < bound, describe());
            if (holds)
            {
                return checkedAt;
            }

            Thread.Sleep(20);
        }
    }

    private static void WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"condition not met within {timeout}");
            }

            Thread.Sleep(50);
        }
    }
}
