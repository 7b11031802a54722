using System.Diagnostics;
using DiskTools.Engine.Output;
using DiskTools.Engine.Remoting;
using DiskTools.Engine.Sync.Safety;
using DiskTools.TestFixtures;
using Xunit;

namespace DiskTools.Engine.Tests.Sync;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LocalSessionLockTests : IDisposable
{
    private const string Secret = "SECRET-FIRST-LINE-of-a-root-only-file";
    private readonly string dir = Directory.CreateTempSubdirectory("disktools-lock-").FullName;
    private readonly List<Process> holders = [];

    public void Dispose()
    {
        foreach (Process holder in holders)
        {
            try
            {
                holder.Kill();
                holder.WaitForExit();
            }
            catch (InvalidOperationException)
            {
            }

            holder.Dispose();
        }

        Directory.Delete(dir, true);
    }

    private static LockHolder Holder(string session) => new(Environment.ProcessId, session, "box", new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.Zero));

    [Fact]
    public void A_second_holder_is_refused_with_SyncSessionLocked_naming_host_pid_session_and_start()
    {
        string path = Path.Combine(dir, "nested", "sync.lock");
        using (LocalSessionLock first = LocalSessionLock.Acquire(path, Holder("aaaaaaaa"), "box"))
        {
            var refused = Assert.Throws<SessionLockedException>(() => LocalSessionLock.Acquire(path, Holder("bbbbbbbb"), "box"));
            Assert.Equal("SyncSessionLocked", refused.ErrorId);
            Assert.Equal(ErrorKind.ResourceUnavailable, refused.Kind);
            Assert.Equal("aaaaaaaa", refused.Holder?.SessionId);
            Assert.Contains($"session aaaaaaaa (pid {Environment.ProcessId} on box, started 2025-03-04 05:06:07Z)", refused.Message, StringComparison.Ordinal);
        }

        using LocalSessionLock again = LocalSessionLock.Acquire(path, Holder("cccccccc"), "box");
        Assert.Null(again.StaleHolder);
    }

    [Fact]
    public async Task Only_the_sessions_own_children_keep_its_lock_a_process_started_elsewhere_does_not()
    {
        string path = Path.Combine(dir, "sync.lock");
        Process unrelated;
        await using var other = new LocalExecutor();
        IRunningCommand others;
        IRunningCommand own;
        LocalExecutor session;
        using (LocalSessionLock held = LocalSessionLock.Acquire(path, Holder("abababab"), "box"))
        {
            // While the session holds its lock, something else in the same process starts long-lived programs
            // (directly, and through an executor of its own), and the session starts one through its executor.
            unrelated = Process.Start(new ProcessStartInfo("sleep", ["60"]) { UseShellExecute = false })!;
            holders.Add(unrelated);
            others = await other.StartAsync(CommandLine.Create("sleep", "60"), CancellationToken.None);
            session = new LocalExecutor { SessionChildrenLock = LocalSessionLock.ChildrenPath(held.Path) };
            own = await session.StartAsync(CommandLine.Create("sleep", "60"), CancellationToken.None);
            WaitUntilChildHolds(held.Path);
        }

        // The session's child keeps the lock while it lives (it could still be writing) ...
        Assert.True(LocalSessionLock.Probe(path).Held);
        var refused = Assert.Throws<SessionLockedException>(() => LocalSessionLock.Acquire(path, Holder("cdcdcdcd"), "box"));
        Assert.Equal("SyncSessionLocked", refused.ErrorId);
        Assert.Contains("A program started by the sync session that last used box", refused.Message, StringComparison.Ordinal);
        await own.TerminateAsync(TimeSpan.FromSeconds(1), CancellationToken.None);
        await own.WaitForExitAsync(CancellationToken.None);
        await own.DisposeAsync();
        await session.DisposeAsync();

        // ... the other programs do not: once the session's children are gone, the lock is free.
        Assert.False(unrelated.HasExited);
        Assert.False(LocalSessionLock.Probe(path).Held);
        LocalSessionLock.Acquire(path, Holder("efefefef"), "box").Dispose();
        await others.TerminateAsync(TimeSpan.FromSeconds(1), CancellationToken.None);
        await others.DisposeAsync();
    }

    [Fact]
    public async Task Programs_started_elsewhere_in_the_process_while_sessions_start_children_never_keep_a_lock()
    {
        // Another runspace (or a fixture) starts programs at the very moments the sessions start theirs: none
        // of those programs may come to hold a session's lock, so once every session has ended, every lock is free.
        string path = Path.Combine(dir, "sync.lock");
        var unrelated = new System.Collections.Concurrent.ConcurrentBag<Process>();
        using var stop = new CancellationTokenSource();
        Task elsewhere = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                unrelated.Add(Process.Start(new ProcessStartInfo("sleep", ["30"]) { UseShellExecute = false })!);
            }
        });
        try
        {
            for (int round = 0; round < 20; round++)
            {
                using (LocalSessionLock held = LocalSessionLock.Acquire(path, Holder($"{round:x8}"), "box"))
                {
                    await using var session = new LocalExecutor { SessionChildrenLock = LocalSessionLock.ChildrenPath(held.Path) };
                    CommandResult ran = await session.RunAsync(CommandLine.Create("true"), TimeSpan.FromSeconds(30), CancellationToken.None);
                    Assert.Equal(0, ran.ExitCode);
                }

                // A program being started elsewhere holds copies of this process's descriptors until its exec
                // closes them (microseconds); one that inherited the lock would hold it for its 30 s.
                var watch = Stopwatch.StartNew();
                while (LocalSessionLock.Probe(path).Held)
                {
                    Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"round {round}: the lock stayed held after the session ended");
                    Thread.Sleep(5);
                }
            }
        }
        finally
        {
            stop.Cancel();
            await elsewhere;
            foreach (Process process in unrelated)
            {
                holders.Add(process);
            }
        }

        Assert.Contains(unrelated, p => !p.HasExited);
    }

    [Fact]
    public async Task A_session_child_reports_a_missing_program_as_127_as_any_command_does()
    {
        string path = Path.Combine(dir, "sync.lock");
        using LocalSessionLock held = LocalSessionLock.Acquire(path, Holder("99999999"), "box");
        await using var session = new LocalExecutor { SessionChildrenLock = LocalSessionLock.ChildrenPath(held.Path) };
        CommandResult ran = await session.RunAsync(CommandLine.Create("disktools-no-such-program"), TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.Equal(127, ran.ExitCode);
    }

    /// <summary>Waits until a child holds the children's file (flock(1) takes it just after the child starts).</summary>
    private static void WaitUntilChildHolds(string lockPath)
    {
        var watch = Stopwatch.StartNew();
        while (PosixFiles.LinkStat(LocalSessionLock.ChildrenPath(lockPath)) is not { } children || !PosixFiles.IsFlockHeld(children))
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), "the session's child never took the children's lock");
            Thread.Sleep(10);
        }
    }

    [Fact]
    public void A_lock_held_by_another_process_is_reported_as_held_and_refused_by_name()
    {
        string path = Path.Combine(dir, "sync.lock");
        LocalSessionLock.Acquire(path, Holder("11111111"), "box").Dispose();
        File.WriteAllText(path, "pid=4242 session=deadbeef host=other since=2025-01-01T00:00:00Z\n");
        Process holder = HoldInChild(path);

        Assert.Equal((true, "deadbeef"), Probe(path));
        var refused = Assert.Throws<SessionLockedException>(() => LocalSessionLock.Acquire(path, Holder("22222222"), "box"));
        Assert.Contains("session deadbeef (pid 4242 on other, started 2025-01-01 00:00:00Z)", refused.Message, StringComparison.Ordinal);

        // Killed outright: the holder line stays, the lock does not; the next session takes it and says so.
        holder.Kill();
        holder.WaitForExit();
        Assert.Equal((false, "deadbeef"), Probe(path));
        using LocalSessionLock taken = LocalSessionLock.Acquire(path, Holder("12345678"), "box");
        Assert.Equal("deadbeef", taken.StaleHolder?.SessionId);
        Assert.Equal((true, "12345678"), Probe(path));
    }

    [Fact]
    public void A_lock_file_is_never_shown_as_it_is()
    {
        string path = Path.Combine(dir, "sync.lock");
        LocalSessionLock.Acquire(path, Holder("11111111"), "box").Dispose();
        File.WriteAllText(path, $"\u001b]0;pwned\u0007{Secret}\n");
        HoldInChild(path);

        var refused = Assert.Throws<SessionLockedException>(() => LocalSessionLock.Acquire(path, Holder("22222222"), "box"));
        Assert.Null(refused.Holder);
        Assert.Contains("names no holder DiskTools can read", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', refused.Message);
    }

    [SkippableFact]
    public void Root_keeps_its_lock_in_run_disktools_however_the_session_was_started()
    {
        Prerequisite.Require(Prerequisite.IsRoot, "the rule under test is root's");
        string? before = Environment.GetEnvironmentVariable(RuntimeDirectory.OverrideVariable);
        string? runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        try
        {
            Environment.SetEnvironmentVariable(RuntimeDirectory.OverrideVariable, null);
            Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", null);
            Assert.Equal("/run/disktools", RuntimeDirectory.Default); // cron, sudo: was /tmp/disktools-0
            Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", dir);
            Assert.Equal("/run/disktools", RuntimeDirectory.Default); // a login: the same lock
        }
        finally
        {
            Environment.SetEnvironmentVariable(RuntimeDirectory.OverrideVariable, before);
            Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", runtime);
        }
    }

    [SkippableFact]
    public void Another_user_who_plants_the_lock_directory_or_a_link_in_it_cannot_make_root_write_or_reveal_a_file()
    {
        using UnprivilegedUser other = UnprivilegedUser.Create();
        // A world-writable sticky parent, as /tmp is: where the lock used to fall back to.
        string shared = Path.Combine(dir, "tmp");
        Directory.CreateDirectory(shared);
        File.SetUnixFileMode(shared, (UnixFileMode)Convert.ToInt32("1777", 8));
        string victim = Path.Combine(dir, "victim");
        File.WriteAllText(victim, Secret + "\nsecond line\n");
        File.SetUnixFileMode(victim, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.SetUnixFileMode(dir, (UnixFileMode)Convert.ToInt32("755", 8));

        // 1. The directory made first by the other user, with a link to root's file as the lock.
        string planted = Path.Combine(shared, "disktools-0");
        other.Run("""mkdir -m 777 "$1" && ln -s "$2" "$1/sync.lock" """, planted, victim);
        AssertRefused(Path.Combine(planted, "sync.lock"), victim, "belongs to uid " + other.Uid);

        // 2. The directory itself a link to a directory of the other user's.
        string theirs = Path.Combine(shared, "theirs");
        string linked = Path.Combine(shared, "disktools-link");
        other.Run("""mkdir -m 777 "$1" && ln -s "$2" "$1/sync.lock" && ln -s "$1" "$3" """, theirs, victim, linked);
        AssertRefused(Path.Combine(linked, "sync.lock"), victim, "symbolic link");

        // 3. Root's own directory, but left open to others for a while: what they put there is refused.
        string open = Path.Combine(shared, "disktools-open");
        Directory.CreateDirectory(open);
        File.SetUnixFileMode(open, (UnixFileMode)Convert.ToInt32("777", 8));
        other.Run("""ln -s "$2" "$1/sync.lock" """, open, victim);
        AssertRefused(Path.Combine(open, "sync.lock"), victim, "mode is 777");

        // 4. A private directory with a link or a FIFO in it (from before it was private): O_NOFOLLOW, no blocking.
        string mine = Path.Combine(dir, "mine");
        Directory.CreateDirectory(mine);
        File.SetUnixFileMode(mine, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.CreateSymbolicLink(Path.Combine(mine, "sync.lock"), victim);
        AssertRefused(Path.Combine(mine, "sync.lock"), victim, "symbolic link");
        File.Delete(Path.Combine(mine, "sync.lock"));
        ProcessRunner.Run("mkfifo", Path.Combine(mine, "sync.lock"));
        AssertRefused(Path.Combine(mine, "sync.lock"), victim, "FIFO");

        // 5. A parent the other user may write to without the sticky bit: they could swap the directory.
        string loose = Path.Combine(dir, "loose");
        Directory.CreateDirectory(loose);
        File.SetUnixFileMode(loose, (UnixFileMode)Convert.ToInt32("777", 8));
        AssertRefused(Path.Combine(loose, "disktools", "sync.lock"), victim, "lets other users replace it");

        // What DiskTools makes itself is private, and works.
        string made = Path.Combine(shared, "disktools-made");
        using (LocalSessionLock taken = LocalSessionLock.Acquire(Path.Combine(made, "sync.lock"), Holder("abcdef01"), "box"))
        {
            Assert.Equal((UnixFileMode)Convert.ToInt32("700", 8), File.GetUnixFileMode(made));
            Assert.Equal((UnixFileMode)Convert.ToInt32("600", 8), File.GetUnixFileMode(taken.Path));
            Assert.False(other.TryRun("""echo x > "$1/sync.lock" """, made).Succeeded);
        }
    }

    [SkippableFact]
    public void The_target_side_refuses_a_runtime_directory_another_user_planted()
    {
        using UnprivilegedUser session = UnprivilegedUser.Create();
        using UnprivilegedUser other = UnprivilegedUser.Create();
        string home = HomeOf(session, Path.Combine(".local", "state", "disktools"));
        string victim = Path.Combine(dir, "victim");
        File.WriteAllText(victim, Secret + "\n");
        // The other user owns a directory on the path and plants the runtime directory as a link.
        ProcessRunner.Run("chown", other.Name, Path.Combine(home, ".local", "state", "disktools"));
        other.Run("""mkdir -m 777 "$1/evil" && ln -s "$2" "$1/evil/sync.lock" && ln -s "$1/evil" "$1/run" """, Path.Combine(home, ".local", "state", "disktools"), victim);

        ProcessResult refused = session.TryRun($"HOME=\"$1\"; export HOME; set -- sync.lock 'pid=1 session=abcdef01 host=box since=2025-01-01T00:00:00Z'\n{RemoteSessionLock.Script}", home);
        Assert.Equal(RemoteSessionLock.UnsafeExitCode, refused.ExitCode);
        Assert.Contains("is a symbolic link", refused.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(Secret + "\n", File.ReadAllText(victim));

        // Its own, made by the script: 0700 and usable; and a planted lock file in it is refused too.
        ProcessRunner.Run("rm", "-rf", Path.Combine(home, ".local", "state", "disktools"));
        ProcessResult made = session.Run($"HOME=\"$1\"; export HOME\n{RuntimeDirectory.ShellScript}\necho \"DIR $d\"", home);
        string runtime = Path.Combine(home, ".local", "state", "disktools", "run");
        Assert.Contains("DIR " + runtime, made.StandardOutput, StringComparison.Ordinal);
        Assert.Equal((UnixFileMode)Convert.ToInt32("700", 8), File.GetUnixFileMode(runtime));
        session.Run("""ln -s "$2" "$1/sync.lock" """, runtime, victim);
        ProcessResult link = session.TryRun($"HOME=\"$1\"; export HOME; set -- sync.lock 'pid=1 session=abcdef01 host=box since=2025-01-01T00:00:00Z'\n{RemoteSessionLock.Script}", home);
        Assert.Equal(RemoteSessionLock.UnsafeExitCode, link.ExitCode);
        Assert.Equal(Secret + "\n", File.ReadAllText(victim));
    }

    [SkippableFact]
    public void The_target_side_keeps_its_lock_in_DISKTOOLS_RUNTIME_DIR_when_set_and_checks_it_the_same_way()
    {
        using UnprivilegedUser session = UnprivilegedUser.Create();
        using UnprivilegedUser other = UnprivilegedUser.Create();
        string home = HomeOf(session);
        string Script(string runtime) => $"DISKTOOLS_RUNTIME_DIR='{runtime}'; export DISKTOOLS_RUNTIME_DIR\n{RuntimeDirectory.ShellScript}\necho \"DIR $d\"";

        // Made by the script, missing parents included, for this user alone.
        string chosen = Path.Combine(home, "state", "run");
        ProcessResult made = session.Run(Script(chosen + "/"));
        Assert.Contains("DIR " + chosen + "\n", made.StandardOutput, StringComparison.Ordinal);
        Assert.Equal((UnixFileMode)Convert.ToInt32("700", 8), File.GetUnixFileMode(chosen));
        Assert.Equal((UnixFileMode)Convert.ToInt32("700", 8), File.GetUnixFileMode(Path.Combine(home, "state")));

        // In a directory anyone may write to (no sticky bit), another user could swap it: refused.
        string open = Path.Combine(dir, "open");
        Directory.CreateDirectory(open);
        File.SetUnixFileMode(open, (UnixFileMode)Convert.ToInt32("777", 8));
        ProcessResult shared = session.TryRun(Script(Path.Combine(open, "run")));
        Assert.Equal(RemoteSessionLock.UnsafeExitCode, shared.ExitCode);
        Assert.Contains("other users may replace", shared.StandardOutput, StringComparison.Ordinal);

        // A link the other user planted in its place: refused, and nothing reached through it.
        string theirs = Path.Combine(dir, "theirs");
        Directory.CreateDirectory(theirs);
        ProcessRunner.Run("chown", other.Name, theirs);
        string planted = Path.Combine(home, "planted");
        File.CreateSymbolicLink(planted, theirs);
        ProcessResult linked = session.TryRun(Script(planted));
        Assert.Equal(RemoteSessionLock.UnsafeExitCode, linked.ExitCode);
        Assert.Contains("is a symbolic link", linked.StandardOutput, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(theirs));
    }

    /// <summary>A home for <paramref name="user"/> in the test directory (reachable by them), with <paramref name="inside"/> made in it, all theirs.</summary>
    private string HomeOf(UnprivilegedUser user, string inside = "")
    {
        File.SetUnixFileMode(dir, (UnixFileMode)Convert.ToInt32("755", 8));
        string home = Path.Combine(dir, "home");
        Directory.CreateDirectory(Path.Combine(home, inside));
        ProcessRunner.Run("chown", "-R", user.Name, home);
        return home;
    }

    private void AssertRefused(string lockPath, string victim, string because)
    {
        var refused = Assert.ThrowsAny<DiskToolsException>(() => LocalSessionLock.Acquire(lockPath, Holder("99999999"), "box").Dispose());
        Assert.Equal(ErrorIds.SyncRuntimeDirectoryUnsafe, refused.ErrorId);
        Assert.Equal(ErrorKind.SecurityError, refused.Kind);
        Assert.Contains(because, refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, refused.Message, StringComparison.Ordinal);
        Assert.Equal(Secret + "\nsecond line\n", File.ReadAllText(victim));
    }

    private static (bool, string?) Probe(string path)
    {
        (bool held, LockHolder? holder) = LocalSessionLock.Probe(path);
        return (held, holder?.SessionId);
    }

    /// <summary>A separate process that holds the flock (flock(1) on its own descriptor of the file) until killed.</summary>
    private Process HoldInChild(string path)
    {
        var start = new ProcessStartInfo("/bin/sh", ["-c", """exec 9<>"$1" && flock -n 9 && exec sleep 300""", "sh", path]) { UseShellExecute = false, RedirectStandardError = true };
        Process holder = Process.Start(start)!;
        holders.Add(holder);
        var watch = Stopwatch.StartNew();
        while (!LocalSessionLock.Probe(path).Held)
        {
            // Its stderr is read only once it has exited: reading it before would wait for the whole sleep.
            if (holder.HasExited)
            {
                Assert.Fail("flock could not take the lock: " + holder.StandardError.ReadToEnd());
            }
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), "flock did not take the lock");
            Thread.Sleep(20);
        }

        return holder;
    }
}
