using System.Diagnostics;
using System.Management.Automation;
using DiskTools.Module.Tests.Infrastructure;
using DiskTools.TestFixtures;
using Xunit;
using Xunit.Abstractions;

namespace DiskTools.Module.Tests.Sync;

[Collection(SyncCollection.Name)]
public sealed class SyncInterruptionTests(SyncEnvironment env, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [SkippableFact]
    public void Stop_mid_job_interrupts_through_cleanup_and_leaves_no_rsync_on_either_host()
    {
        env.Require();
        string src = Path.Combine(SyncEnvironment.Data(env.Source), "stop");
        string dst = Path.Combine(SyncEnvironment.Data(env.Target), "stop");
        Directory.CreateDirectory(src);
        using (FileStream big = File.Create(Path.Combine(src, "big.bin")))
        {
            big.Write(new byte[32 << 20]);
        }

        string config = env.WriteConfig($$"""
            sync_jobs: { folder_sync: true }
            folder_sync:
              bwlimit_kib: 256
              folders: [{ source: "{{src}}", target: "{{dst}}" }]
            """, disk: "check_interval: 30");
        HashSet<string> earlier = Directory.Exists(env.LogDirectory) ? [.. Directory.GetFiles(env.LogDirectory)] : [];
        (PowerShell shell, IAsyncResult pending) = env.Session.Start(env.StartScript(), env.Args(config));
        using (shell)
        {
            // Mid-transfer: the session has begun the folder and rsync's server runs on the target. (The local rsync
            // alone says less: it is started during validation and waits there for the pre-sync snapshots.)
            string log = env.WaitForLog("Syncing " + src, Patience, earlier);
            WaitUntil(() => SyncEnvironment.ProcessesWith("rsync --server").Any(p => p.CommandLine.Contains(dst, StringComparison.Ordinal)
                && !p.CommandLine.Contains("read -r go", StringComparison.Ordinal)), Patience);
            Assert.NotEmpty(SyncEnvironment.RsyncProcessesUnder(env.Source.MountPoint));

            var watch = Stopwatch.StartNew();
            DateTimeOffset stopping = DateTimeOffset.UtcNow;
            shell.Stop();
            watch.Stop();
            output.WriteLine($"PowerShell.Stop() called at {stopping:HH:mm:ss.ffffff} returned after {watch.Elapsed.TotalMilliseconds:0} ms");
            Assert.True(pending.IsCompleted);
            // Ctrl+C must end the session through Cleanup within 2 s (about 0.7 s on an idle machine).
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"Stop took {watch.Elapsed}");
            Assert.Empty(SyncEnvironment.RsyncProcessesUnder(env.Source.MountPoint));
            // The target's rsync server was signalled and lost its connection; give it a moment to be reaped.
            WaitUntil(() => SyncEnvironment.RsyncProcessesUnder(env.Target.MountPoint).Count == 0, TimeSpan.FromSeconds(10));

            // The cleanup timeline, for when the bound is missed.
            foreach (string line in File.ReadLines(log).SkipWhile(l => !l.Contains("Interrupted", StringComparison.Ordinal)))
            {
                output.WriteLine(line.Length > 240 ? line[..240] : line);
            }

            string id = SessionIdOf(log);
            PSObject session = Assert.Single(env.Session.Invoke("Get-SyncSession -SessionId $args[0]", id).Output);
            Assert.Equal("Interrupted", session.Properties["Status"].Value.ToString());
            Assert.True(SyncEnvironment.LockIsFree(env.SourceLock));
        }
    }

    [SkippableFact]
    public void A_dropped_connection_fails_the_session_and_releases_the_locks()
    {
        env.Require();
        string config = env.WriteConfig("sync_jobs: { dummy_success: true }\ndummy_success: { duration_seconds: 60 }", disk: "check_interval: 30");
        HashSet<string> earlier = Directory.Exists(env.LogDirectory) ? [.. Directory.GetFiles(env.LogDirectory)] : [];
        (PowerShell shell, IAsyncResult pending) = env.Session.Start(env.StartScript(), env.Args(config));
        using (shell)
        {
            env.WaitForLog("dummy_success running", Patience, earlier);
            var watch = Stopwatch.StartNew();
            env.Server.KillSessions();
            Assert.True(pending.AsyncWaitHandle.WaitOne(Patience), "the session did not end after its connection was killed");
            output.WriteLine($"Session ended {watch.Elapsed.TotalMilliseconds:0} ms after the connection was killed");
            PSObject session = Assert.Single(shell.EndInvoke(pending));
            Assert.Equal("Failed", session.Properties["Status"].Value.ToString());
            Assert.Contains(shell.Streams.Error, e => e.FullyQualifiedErrorId.StartsWith("SyncTargetLockLost", StringComparison.Ordinal)
                || e.FullyQualifiedErrorId.StartsWith("SshConnectionLost", StringComparison.Ordinal));
            Assert.True(SyncEnvironment.LockIsFree(env.SourceLock));
            WaitUntil(TargetLockFree, TimeSpan.FromSeconds(15));
        }
    }

    [SkippableFact]
    public void A_second_concurrent_session_is_refused_by_the_lock()
    {
        env.Require();
        string config = env.WriteConfig("sync_jobs: { dummy_success: true }\ndummy_success: { duration_seconds: 60 }", disk: "check_interval: 30");
        HashSet<string> earlier = Directory.Exists(env.LogDirectory) ? [.. Directory.GetFiles(env.LogDirectory)] : [];
        (PowerShell shell, IAsyncResult pending) = env.Session.Start(env.StartScript(), env.Args(config));
        using (shell)
        using (var second = new ModuleSession())
        {
            string id = SessionIdOf(env.WaitForLog("dummy_success running", Patience, earlier));
            InvocationResult refused = second.Invoke(env.StartScript(), env.Args(config));
            ErrorRecord error = Assert.Single(refused.Errors);
            Assert.StartsWith("SyncSessionLocked", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Equal(ErrorCategory.ResourceUnavailable, error.CategoryInfo.Category);
            // The holder by host, pid, session and start time; never "SyncLockFailed … (errno 0)".
            Assert.Matches($@"session {id} \(pid {Environment.ProcessId} on \S+, started \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\dZ\)", error.Exception.Message);
            Assert.Equal("Failed", Assert.Single(refused.Output).Properties["Status"].Value.ToString());
            shell.Stop();
        }
    }

    [SkippableFact]
    public void The_disk_monitor_fails_the_session_when_the_target_fills_up()
    {
        env.Require();
        using BtrfsVolume small = env.NewTargetVolume(192L << 20);
        string config = env.WriteConfig("sync_jobs: { dummy_success: true }\ndummy_success: { duration_seconds: 90 }", small,
            disk: "preflight_minimum: 20%\n  runtime_minimum: 15%\n  check_interval: 1");
        HashSet<string> earlier = Directory.Exists(env.LogDirectory) ? [.. Directory.GetFiles(env.LogDirectory)] : [];
        (PowerShell shell, IAsyncResult pending) = env.Session.Start(env.StartScript(), env.Args(config));
        using (shell)
        {
            env.WaitForLog("dummy_success running", Patience, earlier);
            // Nearly fill the target: leave about 5% free.
            var drive = new DriveInfo(small.MountPoint);
            long fill = drive.AvailableFreeSpace - drive.TotalSize / 20;
            using (var filler = Process.Start(new ProcessStartInfo("fallocate", ["-l", fill.ToString(System.Globalization.CultureInfo.InvariantCulture), Path.Combine(SyncEnvironment.Data(small), "filler")]))!)
            {
                filler.WaitForExit();
            }

            Assert.True(pending.AsyncWaitHandle.WaitOne(Patience), "the monitor did not stop the session");
            PSObject session = Assert.Single(shell.EndInvoke(pending));
            Assert.Equal("Failed", session.Properties["Status"].Value.ToString());
            ErrorRecord error = Assert.Single(shell.Streams.Error, e => e.FullyQualifiedErrorId.StartsWith("DiskSpaceCritical", StringComparison.Ordinal));
            Assert.Equal(ErrorCategory.LimitsExceeded, error.CategoryInfo.Category);
            Assert.Equal("DiskTools.Engine.Sync.Safety.DiskSpaceCriticalError", error.Exception.GetType().FullName);
            Assert.Contains("below the runtime minimum 15%", error.Exception.Message, StringComparison.Ordinal);
            Assert.Equal(session.Properties["TargetHostname"].Value, error.TargetObject);
        }
    }

    private bool TargetLockFree() => SyncEnvironment.LockIsFree(env.TargetLock);

    private static string SessionIdOf(string logPath)
    {
        Assert.True(DiskToolsLogName.TryParse(Path.GetFileName(logPath), out string id));
        return id;
    }

    private static void WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException("condition not met in time");
            }

            Thread.Sleep(100);
        }
    }
}

internal static class DiskToolsLogName
{
    public static bool TryParse(string name, out string id)
    {
        var match = System.Text.RegularExpressions.Regex.Match(name, @"^sync-\d{8}T\d{6}-([0-9a-f]{8})\.jsonl$");
        id = match.Success ? match.Groups[1].Value : string.Empty;
        return match.Success;
    }
}
