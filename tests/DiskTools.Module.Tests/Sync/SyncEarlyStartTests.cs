using System.Diagnostics;
using System.Management.Automation;
using DiskTools.Module.Tests.Infrastructure;
using DiskTools.TestFixtures;
using Xunit;
using Xunit.Abstractions;

namespace DiskTools.Module.Tests.Sync;

/// <summary>
/// folder_sync starts its first rsync during validation, so that its ssh login overlaps the checks and the
/// pre-sync snapshots; a gate holds it back from the target until the snapshots are taken. What must never
/// follow from that: an rsync server reaching the target of a session that did not get to its transfer, or
/// anything of the early start outliving the session.
/// </summary>
[Collection(SyncCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SyncEarlyStartTests(SyncEnvironment env, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [SkippableFact]
    public void A_session_that_fails_validation_while_its_rsync_waits_leaves_nothing_of_it_and_writes_nothing()
    {
        env.Require();
        (string src, string dst) = Folders("early-fail");
        // The disk monitor's preflight fails (no file system is 99.9 % free) while folder_sync, validated
        // beside it, passes its own checks and starts its rsync; the monitor's df waits until the rsync's
        // shell on the target has written its pid file and waits for its line, so the failure finds it there.
        string config = FailingPreflight(src, dst);
        HashSet<string> earlier = Directory.Exists(env.LogDirectory) ? [.. Directory.GetFiles(env.LogDirectory)] : [];
        InvocationResult result;
        using (env.TargetDfWaitsUntil("ls /run/disktools/rsync-*.pid"))
        {
            result = env.Run(config);
        }

        string id = AssertFailedAfterEarlyStart(result, earlier, src);
        AssertNothingLeft(id, src, dst);
    }

    [SkippableFact]
    public void A_session_that_fails_while_its_rsyncs_shell_still_reads_its_rc_file_leaves_no_shell_behind()
    {
        env.Require();
        (string src, string dst) = Folders("early-rc");
        string config = FailingPreflight(src, dst);
        HashSet<string> earlier = Directory.Exists(env.LogDirectory) ? [.. Directory.GetFiles(env.LogDirectory)] : [];
        // The shell that would become rsync's server is still in its rc file when the session fails (the monitor's
        // df waits for that): it has not written its pid file yet, so only its command line tells it apart.
        string delay = "7." + Random.Shared.Next(100000, 999999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        InvocationResult result;
        using (env.DelayTargetRsyncShells(delay))
        // (The bracket keeps the pattern from matching the command line of the shell that runs pgrep.)
        using (env.TargetDfWaitsUntil("pgrep -f 'slee[p] " + delay + "'"))
        {
            result = env.Run(config);
            AssertFailedAfterEarlyStart(result, earlier, src);
            Assert.Empty(SyncEnvironment.ProcessesWith("sleep " + delay));
        }

        string id = (string)Assert.Single(result.Output).Properties["SessionId"].Value;
        AssertNothingLeft(id, src, dst);
    }

    private string FailingPreflight(string src, string dst)
        => WithDebugLog(env.WriteConfig($$"""
            sync_jobs: { folder_sync: true }
            folder_sync:
              folders: [{ source: "{{src}}", target: "{{dst}}" }]
            """, disk: "preflight_minimum: 99.9%\n  runtime_minimum: 3%\n  check_interval: 30"));

    private string AssertFailedAfterEarlyStart(InvocationResult result, HashSet<string> earlier, string src)
    {
        PSObject session = Assert.Single(result.Output);
        Assert.Equal("Failed", session.Properties["Status"].Value.ToString());
        Assert.Contains($"rsync for {src} started", SyncEnvironment.ReadShared(NewLog(earlier)), StringComparison.Ordinal);
        return (string)session.Properties["SessionId"].Value;
    }

    /// <summary>
    /// Returned: nothing of the early start is left on either host (they share this machine's processes): not
    /// the local rsync, its remote shell or the gate's helpers, not the target's shell that waited for the line
    /// that would have made it rsync's server; no rsync server ever started there, and no pid file is left.
    /// </summary>
    private void AssertNothingLeft(string id, string src, string dst)
    {
        Assert.Empty(SyncEnvironment.ProcessesWith(dst));
        Assert.Empty(SyncEnvironment.ProcessesWith(src));
        Assert.Empty(SyncEnvironment.ProcessesWith("gate-" + id));
        Assert.Empty(SyncEnvironment.ProcessesWith($"rsync-{id}-0.pid"));
        Assert.False(Directory.Exists(dst), "an rsync server reached the target");
        Assert.Empty(env.TargetRsyncStartsWith(dst));
        Assert.Equal(["sync.lock"], Directory.GetFileSystemEntries(env.Server.PathInside("/run/disktools")).Select(Path.GetFileName));
        Assert.True(SyncEnvironment.LockIsFree(env.SourceLock));
        Assert.True(SyncEnvironment.LockIsFree(env.TargetLock));
    }

    [SkippableFact]
    public void A_session_killed_while_its_rsync_waits_at_the_gate_starts_no_rsync_server_and_leaves_nothing_behind()
    {
        env.Require();
        (string src, string dst) = Folders("early-kill");
        string config = env.WriteConfig($$"""
            sync_jobs: { folder_sync: true }
            folder_sync:
              folders: [{ source: "{{src}}", target: "{{dst}}" }]
            """, disk: "check_interval: 30");

        // The preflight's du (run after the early start) never finishes here, so the session is caught between
        // starting its rsync and taking its snapshots. exec keeps it one process, which dies with the session.
        string marker = "3599." + Random.Shared.Next(100000, 999999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        string bin = StandInDu($"exec sleep {marker}");

        using Process session = SyncEnvironment.StartLauncher(
            $"Start-SyncSession -ComputerName '{env.Server.Alias}' -SshConfigPath '{env.Server.ConfigPath}' -ConfigPath '{config}'",
            bin + ":" + Environment.GetEnvironmentVariable("PATH"));
        try
        {
            // The target's shell for the rsync server, logged in and waiting for its line; the session in its du.
            SyncEnvironment.WaitUntil(() => SyncEnvironment.ProcessesWith("read -r go").Any(p => p.CommandLine.Contains("--server", StringComparison.Ordinal)
                && p.CommandLine.Contains(dst, StringComparison.Ordinal)), Patience);
            SyncEnvironment.WaitUntil(() => SyncEnvironment.ProcessesWith("sleep " + marker).Count > 0, Patience);

            session.Kill(); // SIGKILL: no cleanup runs; only the kernel's release of the gate's lock is left
            session.WaitForExit();
        }
        finally
        {
            if (!session.HasExited)
            {
                session.Kill();
            }
        }

        // Everything started for the transfer ends by itself: the gate opens without "go", so the remote shell
        // reads end-of-file and ends without becoming rsync's server.
        SyncEnvironment.WaitUntil(() => SyncEnvironment.ProcessesWith(dst).Count == 0 && SyncEnvironment.ProcessesWith("sleep " + marker).Count == 0,
            TimeSpan.FromSeconds(30));
        foreach ((int pid, string commandLine) in SyncEnvironment.ProcessesWith(src))
        {
            output.WriteLine($"left: {pid} {commandLine}");
        }

        Assert.Empty(SyncEnvironment.ProcessesWith(src));
        Assert.False(Directory.Exists(dst), "an rsync server reached the target");
        Assert.Empty(env.TargetRsyncStartsWith(dst));
        Assert.Empty(SyncEnvironment.RsyncProcessesUnder(env.Target.MountPoint));
        SyncEnvironment.WaitUntil(() => SyncEnvironment.LockIsFree(env.TargetLock), TimeSpan.FromSeconds(30));
    }

    [SkippableFact]
    public void An_early_rsync_whose_connection_dropped_while_it_waited_is_replaced_and_the_folder_still_syncs()
    {
        env.Require();
        (string src, string dst) = Folders("early-drop");
        string config = env.WriteConfig($$"""
            sync_jobs: { folder_sync: true }
            folder_sync:
              folders: [{ source: "{{src}}", target: "{{dst}}" }]
            """, disk: "check_interval: 30");
        // The preflight's du waits for the test's word, so the early rsync is caught waiting at its gate.
        string go = Path.Combine(env.Home, "du-go-" + Guid.NewGuid().ToString("N")[..8]);
        string realDu = new[] { "/usr/bin/du", "/bin/du" }.First(File.Exists);
        string bin = StandInDu($"while [ ! -e '{go}' ]; do sleep 0.05; done\nexec '{realDu}' \"$@\"");

        using Process session = SyncEnvironment.StartLauncher(
            $"$s = Start-SyncSession -ComputerName '{env.Server.Alias}' -SshConfigPath '{env.Server.ConfigPath}' -ConfigPath '{config}'; $s.Status; $s.ErrorMessage",
            bin + ":" + Environment.GetEnvironmentVariable("PATH"));
        var lines = new List<string>();
        session.OutputDataReceived += (_, e) => { if (e.Data is { } line) { lock (lines) { lines.Add(line); } } };
        try
        {
            SyncEnvironment.WaitUntil(() => SyncEnvironment.ProcessesWith("read -r go").Any(p => p.CommandLine.Contains("--server", StringComparison.Ordinal)
                && p.CommandLine.Contains(dst, StringComparison.Ordinal) && !p.CommandLine.StartsWith("ssh", StringComparison.Ordinal)), Patience);
            // The connection of the waiting rsync drops: its ssh is killed.
            (int ssh, _) = Assert.Single(SyncEnvironment.ProcessesWith(dst), p => p.CommandLine.StartsWith("ssh ", StringComparison.Ordinal));
            Process.GetProcessById(ssh).Kill();
            SyncEnvironment.WaitUntil(() => SyncEnvironment.RsyncProcessesUnder(env.Source.MountPoint).Count == 0, Patience);
            File.WriteAllText(go, string.Empty);
            Assert.True(session.WaitForExit((int)Patience.TotalMilliseconds), "the session did not end");
            session.WaitForExit();
        }
        finally
        {
            if (!session.HasExited)
            {
                session.Kill();
            }
        }

        lock (lines)
        {
            foreach (string line in lines)
            {
                output.WriteLine(line);
            }

            Assert.Contains("Completed", lines);
        }

        Assert.Equal("a", File.ReadAllText(Path.Combine(dst, "a.txt")));
    }

    /// <summary>A directory holding a du that runs <paramref name="body"/>, to put first on the session's PATH.</summary>
    private string StandInDu(string body)
    {
        string bin = Path.Combine(env.Home, "du-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(bin);
        File.WriteAllText(Path.Combine(bin, "du"), $"#!/bin/sh\n{body}\n");
        File.SetUnixFileMode(Path.Combine(bin, "du"), (UnixFileMode)0b111_101_101);
        return bin;
    }

    private (string Source, string Target) Folders(string name)
    {
        string unique = name + "-" + Guid.NewGuid().ToString("N")[..8];
        string src = Path.Combine(SyncEnvironment.Data(env.Source), unique);
        Directory.CreateDirectory(src);
        File.WriteAllText(Path.Combine(src, "a.txt"), "a");
        return (src, Path.Combine(SyncEnvironment.Data(env.Target), unique));
    }

    private static string WithDebugLog(string config)
    {
        File.WriteAllText(config, File.ReadAllText(config).Replace("log_file_level: FULL", "log_file_level: DEBUG", StringComparison.Ordinal));
        return config;
    }

    private string NewLog(HashSet<string> earlier)
        => Assert.Single(Directory.GetFiles(env.LogDirectory), f => !earlier.Contains(f));

}
