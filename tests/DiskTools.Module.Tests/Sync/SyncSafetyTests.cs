using System.Diagnostics;
using System.Management.Automation;
using System.Text.RegularExpressions;
using DiskTools.Module.Tests.Infrastructure;
using DiskTools.TestFixtures;
using Xunit;
using Xunit.Abstractions;

namespace DiskTools.Module.Tests.Sync;

/// <summary>Who may share a host with a session, and what a session may show or leave behind.</summary>
[Collection(SyncCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SyncSafetyTests(SyncEnvironment env, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [SkippableFact]
    public void A_session_onto_this_machine_is_refused_at_once_by_machine_id()
    {
        env.Require();
        // An sshd in this very namespace: another port and host key, the same machine.
        using SshServer same = SshServer.StartPrivate();
        string config = env.WriteConfig("sync_jobs: { dummy_success: true }");
        string[] before = SyncEnvironment.SnapshotNames(env.Source);

        InvocationResult result = env.Session.Invoke(env.StartScript(), same.Alias, same.ConfigPath, config);

        ErrorRecord error = Assert.Single(result.Errors);
        Assert.StartsWith("SyncTargetIsSource", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Contains("machine id " + File.ReadAllText("/etc/machine-id").Trim(), error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal("Failed", Assert.Single(result.Output).Properties["Status"].Value.ToString());
        Assert.Equal(before, SyncEnvironment.SnapshotNames(env.Source));
        Assert.True(SyncEnvironment.LockIsFree(env.SourceLock));
    }

    [SkippableFact]
    public void A_session_onto_a_host_presenting_this_machines_host_key_is_refused()
    {
        env.Require();
        Prerequisite.Require(File.Exists("/etc/ssh/ssh_host_ed25519_key"), "this machine has no /etc/ssh/ssh_host_ed25519_key (openssh-server makes it)");
        // Another machine id, but this machine's own host key: the same machine behind a port forward, say.
        using SshServer twin = SshServer.StartIsolated(new SshIsolation { HostKeyPath = "/etc/ssh/ssh_host_ed25519_key" });
        string config = env.WriteConfig("sync_jobs: { dummy_success: true }");

        InvocationResult result = env.Session.Invoke(env.StartScript(), twin.Alias, twin.ConfigPath, config);

        ErrorRecord error = Assert.Single(result.Errors);
        Assert.StartsWith("SyncTargetIsSource", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains("this machine's own SSH host key", error.Exception.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(twin.PathInside("/run/disktools/sync.lock")), "the target's lock was taken before the refusal");
    }

    [SkippableFact]
    public void A_host_that_is_the_target_of_one_session_cannot_be_the_source_of_another()
    {
        env.Require();
        string config = env.WriteConfig("sync_jobs: { dummy_success: true }\ndummy_success: { duration_seconds: 60 }", disk: "check_interval: 30");
        HashSet<string> earlier = Directory.Exists(env.LogDirectory) ? [.. Directory.GetFiles(env.LogDirectory)] : [];
        (PowerShell shell, IAsyncResult pending) = env.Session.Start(env.StartScript(), env.Args(config));
        using (shell)
        {
            string log = env.WaitForLog("dummy_success running", Patience, earlier);
            string id = SessionIdOf(log);

            // The crossing sync: started on the target (in its namespace, as its own root) back to here.
            ProcessResult crossing = RunLauncherOnTarget(
                $"$s = Start-SyncSession -ComputerName localhost -ConfigPath '{config}' -ErrorAction SilentlyContinue -ErrorVariable e; "
                + "$e | ForEach-Object { $_.FullyQualifiedErrorId + ': ' + $_.Exception.Message }; $s.Status");
            output.WriteLine(crossing.StandardOutput + crossing.StandardError);
            string said = crossing.StandardOutput + crossing.StandardError;
            Assert.Contains("SyncSessionLocked", said, StringComparison.Ordinal);
            Assert.Contains($"session {id} (pid {Environment.ProcessId} on ", said, StringComparison.Ordinal);
            Assert.DoesNotContain("errno", said, StringComparison.Ordinal);
            Assert.Contains("Failed", crossing.StandardOutput, StringComparison.Ordinal);
            shell.Stop();
        }
    }

    [SkippableFact]
    public void A_host_that_is_the_source_of_one_session_cannot_be_the_target_of_another()
    {
        env.Require();
        // This host as a third machine reaches it: another machine id and host key, but the same lock
        // directory its sessions use (DISKTOOLS_RUNTIME_DIR, here for the tests, stands for /run/disktools).
        using SshServer here = SshServer.StartIsolated(new SshIsolation
        {
            SessionEnvironment = new Dictionary<string, string> { ["DISKTOOLS_RUNTIME_DIR"] = env.LockDirectory },
        });
        string config = env.WriteConfig("sync_jobs: { dummy_success: true }\ndummy_success: { duration_seconds: 60 }", disk: "check_interval: 30");
        HashSet<string> earlier = Directory.Exists(env.LogDirectory) ? [.. Directory.GetFiles(env.LogDirectory)] : [];
        (PowerShell shell, IAsyncResult pending) = env.Session.Start(env.StartScript(), env.Args(config));
        using (shell)
        {
            string id = SessionIdOf(env.WaitForLog("dummy_success running", Patience, earlier));

            // The other machine's session, with a lock directory of its own, onto this host.
            string otherRun = Directory.CreateTempSubdirectory("disktools-other-run-").FullName;
            ProcessResult onto = ProcessRunner.TryRun("env",
                ["-u", "DISKTOOLS_MODULE", "DISKTOOLS_RUNTIME_DIR=" + otherRun, "XDG_DATA_HOME=" + otherRun,
                    ModuleSession.LauncherPath, "-Command",
                    $"$s = Start-SyncSession -ComputerName '{here.Alias}' -SshConfigPath '{here.ConfigPath}' -ConfigPath '{config}' -ErrorAction SilentlyContinue -ErrorVariable e; "
                    + "$e | ForEach-Object { $_.FullyQualifiedErrorId + ': ' + $_.Exception.Message }; $s.Status"],
                Patience);
            output.WriteLine(onto.StandardOutput + onto.StandardError);
            string said = onto.StandardOutput + onto.StandardError;
            Assert.Contains("SyncSessionLocked", said, StringComparison.Ordinal);
            Assert.Contains($"session {id} (pid {Environment.ProcessId} on ", said, StringComparison.Ordinal);
            Assert.Contains("Failed", onto.StandardOutput, StringComparison.Ordinal);
            Assert.False(pending.IsCompleted, "the first session ended");
            shell.Stop();
            Directory.Delete(otherRun, recursive: true);
        }
    }

    [SkippableFact]
    public void Another_user_who_plants_the_targets_lock_directory_gets_nothing_written_or_shown()
    {
        env.Require();
        using UnprivilegedUser other = UnprivilegedUser.Create();
        string run = env.Server.PathInside("/run");
        string victim = Path.Combine(env.Home, "victim");
        File.WriteAllText(victim, "SECRET-FIRST-LINE\n");
        File.SetUnixFileMode(victim, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        // The target's /run made writable for a moment: the other user (on the target, in its namespace)
        // gets in first and links the lock to root's file.
        ProcessRunner.Run("rm", "-rf", Path.Combine(run, "disktools"));
        ProcessRunner.Run("chmod", "1777", run);
        try
        {
            ProcessRunner.Run("nsenter", ["-t", env.Server.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), "-m", "--",
                "runuser", "-u", other.Name, "--", "/bin/sh", "-c", """mkdir -m 777 /run/disktools && ln -s "$1" /run/disktools/sync.lock""", "sh", victim],
                TimeSpan.FromSeconds(60), workingDirectory: "/");
        }
        finally
        {
            ProcessRunner.Run("chmod", "755", run);
        }

        try
        {
            string config = env.WriteConfig("sync_jobs: { dummy_success: true }");
            InvocationResult result = env.Run(config);

            ErrorRecord error = Assert.Single(result.Errors);
            Assert.StartsWith("SyncRuntimeDirectoryUnsafe", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Equal(ErrorCategory.SecurityError, error.CategoryInfo.Category);
            Assert.Contains($"belongs to uid {other.Uid}", error.Exception.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("SECRET", error.Exception.Message, StringComparison.Ordinal);
            Assert.Equal("SECRET-FIRST-LINE\n", File.ReadAllText(victim));
            Assert.True(SyncEnvironment.LockIsFree(env.SourceLock));
        }
        finally
        {
            ProcessRunner.Run("rm", "-rf", Path.Combine(run, "disktools"));
        }
    }

    [SkippableFact]
    public void The_targets_lock_and_pid_files_are_private_and_the_pid_files_gone_after_the_session()
    {
        env.Require();
        string src = Path.Combine(SyncEnvironment.Data(env.Source), "pidfiles");
        string dst = Path.Combine(SyncEnvironment.Data(env.Target), "pidfiles");
        Directory.CreateDirectory(src);
        File.WriteAllText(Path.Combine(src, "a.txt"), "a");
        string config = env.WriteConfig($$"""
            sync_jobs: { folder_sync: true }
            folder_sync:
              folders: [{ source: "{{src}}", target: "{{dst}}" }, { source: "{{src}}", target: "{{dst}}2" }]
            """);
        File.WriteAllText(config, File.ReadAllText(config).Replace("log_file_level: FULL", "log_file_level: DEBUG", StringComparison.Ordinal));

        InvocationResult result = env.Run(config);

        Assert.Empty(result.Errors);
        string id = (string)Assert.Single(result.Output).Properties["SessionId"].Value;
        string runtime = env.Server.PathInside("/run/disktools");
        Assert.Equal((UnixFileMode)Convert.ToInt32("700", 8), File.GetUnixFileMode(runtime));
        string log = (string)Assert.Single(result.Output).Properties["LogFile"].Value;
        Assert.Contains(SyncEnvironment.LogLines(log), l => l.TryGetProperty("command", out System.Text.Json.JsonElement c)
            && c.GetString()!.Contains($"/run/disktools/rsync-{id}-0.pid", StringComparison.Ordinal));
        Assert.Equal(["sync.lock"], Directory.GetFileSystemEntries(runtime).Select(Path.GetFileName));
        Assert.Equal(0, new FileInfo(env.TargetLock).Length);
    }

    [SkippableFact]
    public void Get_SyncSession_shows_a_session_whose_process_was_killed_as_Failed_not_Executing()
    {
        env.Require();
        string config = env.WriteConfig("sync_jobs: { dummy_success: true }\ndummy_success: { duration_seconds: 90 }", disk: "check_interval: 30");
        HashSet<string> earlier = Directory.Exists(env.LogDirectory) ? [.. Directory.GetFiles(env.LogDirectory)] : [];
        using Process session = SyncEnvironment.StartLauncher($"Start-SyncSession -ComputerName '{env.Server.Alias}' -SshConfigPath '{env.Server.ConfigPath}' -ConfigPath '{config}'");
        try
        {
            string id = SessionIdOf(env.WaitForLog("dummy_success running", Patience, earlier));
            Assert.Equal("Executing", StatusOf(id));

            session.Kill(); // SIGKILL: no cleanup, the log never finishes and the holder line stays
            session.WaitForExit();
            Assert.NotEqual(0, new FileInfo(env.SourceLock).Length);

            PSObject rebuilt = Assert.Single(env.Session.Invoke("Get-SyncSession -SessionId $args[0]", id).Output);
            Assert.Equal("Failed", rebuilt.Properties["Status"].Value.ToString());
            Assert.Contains("holds no lock", (string)rebuilt.Properties["ErrorMessage"].Value, StringComparison.Ordinal);
        }
        finally
        {
            if (!session.HasExited)
            {
                session.Kill();
            }
        }

        // The target's holder ends with the dropped connection, and the next session takes both locks.
        SyncEnvironment.WaitUntil(() => SyncEnvironment.LockIsFree(env.TargetLock), TimeSpan.FromSeconds(30));
    }

    [SkippableFact]
    public void A_crafted_target_hostname_is_shown_escaped_everywhere()
    {
        env.Require();
        const string crafted = "ev\u001b]0;pwned\u0007il\r[ok] Completed";
        using SshServer evil = SshServer.StartIsolated(new SshIsolation { Hostname = crafted });
        string config = env.WriteConfig("sync_jobs: { dummy_success: true }\ndummy_success: { duration_seconds: 1 }");

        InvocationResult result = env.Session.Invoke(env.StartScript("-Verbose -InformationAction Continue"), evil.Alias, evil.ConfigPath, config);

        Assert.Null(result.Terminating);
        foreach (ErrorRecord e in result.Errors)
        {
            output.WriteLine($"{e.FullyQualifiedErrorId}: {e.Exception}");
        }

        PSObject session = Assert.Single(result.Output);
        Assert.Equal(@"ev\x1B]0;pwned\x07il\x0D[ok] Completed", session.Properties["TargetHostname"].Value);
        string id = (string)session.Properties["SessionId"].Value;
        IEnumerable<string> shown = result.Information.Select(i => i.MessageData.ToString()!)
            .Concat(result.Verbose.Select(v => v.Message)).Concat(result.Warnings.Select(w => w.Message))
            .Concat(result.Errors.Select(e => e.ErrorDetails?.Message ?? e.Exception.Message))
            .Concat(result.Progress.Select(p => p.Activity + p.StatusDescription + p.CurrentOperation));
        Assert.Contains(result.Information, i => i.MessageData.ToString()!.Contains(@"\x1B]0;pwned\x07", StringComparison.Ordinal));
        Assert.All(shown, text => Assert.DoesNotContain(text, c => c is '\u001b' or '\u0007' or '\r'));
        PSObject rebuilt = Assert.Single(env.Session.Invoke("Get-SyncSession -SessionId $args[0]", id).Output);
        Assert.Equal(@"ev\x1B]0;pwned\x07il\x0D[ok] Completed", rebuilt.Properties["TargetHostname"].Value);
    }

    [SkippableFact]
    public void Control_characters_in_rsyncs_itemized_lines_and_the_targets_stderr_are_shown_escaped()
    {
        env.Require();
        // Files whose names would set the terminal's title and clear the screen, and a target whose login shell
        // writes the same kind of thing (and a carriage return to draw over the line) to stderr before rsync runs.
        const string title = "a\u001b]0;pwned\u0007";
        const string clear = "b\u001b[2J";
        const string said = "\u001b]0;pwned-by-stderr\u0007\u001b[2Jtarget says hello\r[ok] all good\n";
        string src = Path.Combine(SyncEnvironment.Data(env.Source), "control-chars");
        Directory.CreateDirectory(src);
        File.WriteAllText(Path.Combine(src, title), "t");
        File.WriteAllText(Path.Combine(src, clear), "c");
        string Config(string name) => env.WriteConfig($$"""
            sync_jobs: { folder_sync: true }
            folder_sync:
              folders: [{ source: "{{src}}", target: "{{Path.Combine(SyncEnvironment.Data(env.Target), name)}}" }]
            """);
        using IDisposable stderr = env.TargetStderrBeforeRsync(said);

        // In a runspace: what each stream receives.
        InvocationResult result = env.Run(Config("control-chars-runspace"), "-Verbose");

        Assert.Null(result.Terminating);
        Assert.Empty(result.Errors);
        Assert.Equal("Completed", Assert.Single(result.Output).Properties["Status"].Value.ToString());
        string dst = Path.Combine(SyncEnvironment.Data(env.Target), "control-chars-runspace");
        Assert.Equal("t", File.ReadAllText(Path.Combine(dst, title)));
        Assert.Equal("c", File.ReadAllText(Path.Combine(dst, clear)));
        IEnumerable<string> shown = result.Information.Select(i => i.MessageData.ToString()!)
            .Concat(result.Verbose.Select(v => v.Message)).Concat(result.Warnings.Select(w => w.Message))
            .Concat(result.Errors.Select(e => e.ErrorDetails?.Message ?? e.Exception.Message))
            .Concat(result.Progress.Select(p => p.Activity + p.StatusDescription + p.CurrentOperation));
        Assert.All(shown, text => Assert.DoesNotContain(text, c => c is '\u001b' or '\u0007' or '\r'));
        // The itemized lines arrive with rsync's own escapes (\#033), the target's stderr as it was written: both shown, neither obeyed.
        Assert.Contains(result.Verbose, v => Regex.IsMatch(v.Message, @"folder_sync: copied a\\(#033|x1B)\]0;pwned\\(#007|x07)$"));
        Assert.Contains(result.Verbose, v => Regex.IsMatch(v.Message, @"folder_sync: copied b\\(#033|x1B)\[2J$"));
        Assert.Contains(result.Warnings, w => w.Message.EndsWith(@"folder_sync: rsync: \x1B]0;pwned-by-stderr\x07\x1B[2Jtarget says hello", StringComparison.Ordinal));
        // The carriage return ends a line as rsync's output does; what followed it is a line of its own, marked as rsync's.
        Assert.Contains(result.Warnings, w => w.Message.EndsWith("folder_sync: rsync: [ok] all good", StringComparison.Ordinal));

        // On a terminal (the launcher under a pseudo-terminal, as an admin runs it): the bytes that reach it.
        string script = Path.Combine(env.Home, "control-chars.ps1");
        File.WriteAllText(script, env.StartScript("-Verbose") + " | Out-Null\n");
        string config = Config("control-chars-terminal");
        string[] words = [ModuleSession.LauncherPath, "-File", script, .. env.Args(config).Cast<string>()];
        string command = string.Join(" ", words.Select(ShellWord));
        ProcessResult terminal = ProcessRunner.TryRun("env", ["-u", "DISKTOOLS_MODULE", "TERM=xterm-256color", "script", "-qec", command, "/dev/null"], Patience);
        output.WriteLine(Regex.Replace(terminal.StandardOutput.Replace("\r\n", "\n", StringComparison.Ordinal), @"[\x00-\x09\x0B-\x1F\x7F]", m => $"\\x{(int)m.Value[0]:X2}"));
        Assert.Equal(0, terminal.ExitCode);
        Assert.Contains("pwned-by-stderr", terminal.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("copied a", terminal.StandardOutput, StringComparison.Ordinal);
        // PowerShell colours warnings and verbose lines itself (ESC [ ... m); nothing else may drive the terminal.
        Assert.DoesNotContain("\u001b]", terminal.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[2J", terminal.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain('\u0007', terminal.StandardOutput);
        Assert.True(File.Exists(Path.Combine(SyncEnvironment.Data(env.Target), "control-chars-terminal", title)));
    }

    /// <summary>One word for sh -c: single-quoted.</summary>
    private static string ShellWord(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [SkippableFact]
    public void The_record_says_why_a_job_did_not_run_and_a_deletion_reads_as_one()
    {
        env.Require();
        string src = Path.Combine(SyncEnvironment.Data(env.Source), "record");
        string dst = Path.Combine(SyncEnvironment.Data(env.Target), "record");
        Directory.CreateDirectory(src);
        Directory.CreateDirectory(dst);
        File.WriteAllText(Path.Combine(src, "kept.txt"), "k");
        File.WriteAllText(Path.Combine(dst, "extra.txt"), "x");
        string config = env.WriteConfig($$"""
            sync_jobs: { dummy_fail: true, folder_sync: true }
            dummy_fail: { duration_seconds: 1, fail_at_percent: 10 }
            folder_sync:
              delete: true
              folders: [{ source: "{{src}}", target: "{{dst}}" }]
            """);

        // A clean -WhatIf: the jobs did not run because of -WhatIf, not because the session failed.
        InvocationResult whatIf = env.Run(config, "-WhatIf");
        Assert.Empty(whatIf.Errors);
        Assert.Equal(["dummy_fail:not run: -WhatIf", "folder_sync:not run: -WhatIf"], Jobs(Assert.Single(whatIf.Output)));

        // -Job: the enabled job left out is "not selected", never "disabled".
        InvocationResult selected = env.Run(config, "-Job folder_sync -Verbose");
        Assert.Empty(selected.Errors);
        Assert.Equal(["dummy_fail:not selected with -Job", "folder_sync:"], Jobs(Assert.Single(selected.Output)));
        Assert.Contains(selected.Verbose, v => v.Message.EndsWith("folder_sync: deleted extra.txt", StringComparison.Ordinal));
        Assert.Contains(selected.Verbose, v => v.Message.EndsWith("folder_sync: copied kept.txt", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(dst, "extra.txt")));

        // A failure during Executing: the job after it is skipped for that reason.
        string failing = env.WriteConfig("""
            sync_jobs: { dummy_fail: true, dummy_success: true }
            dummy_fail: { duration_seconds: 1, fail_at_percent: 10 }
            """);
        InvocationResult failed = env.Run(failing, "-Job dummy_fail");
        Assert.Equal(["dummy_fail:", "dummy_success:not selected with -Job"], Jobs(Assert.Single(failed.Output)).Select(j => j.StartsWith("dummy_fail:", StringComparison.Ordinal) ? "dummy_fail:" : j));
    }

    [SkippableFact]
    public void A_config_path_that_is_a_FIFO_or_a_device_fails_at_once()
    {
        env.Require();
        string fifo = Path.Combine(env.Home, "fifo.yaml");
        ProcessRunner.Run("mkfifo", fifo);
        foreach (string path in new[] { fifo, "/dev/zero" })
        {
            var watch = Stopwatch.StartNew();
            InvocationResult result = env.Session.Invoke(env.StartScript(), env.Server.Alias, env.Server.ConfigPath, path);
            watch.Stop();
            ErrorRecord error = Assert.Single(result.Errors);
            Assert.StartsWith("SyncConfigNotAFile", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
            Assert.Equal("Failed", Assert.Single(result.Output).Properties["Status"].Value.ToString());
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"{path}: {watch.Elapsed}");
        }
    }

    private static string[] Jobs(PSObject session)
        => [.. ((System.Collections.IEnumerable)session.Properties["JobResults"].Value).Cast<object>().Select(PSObject.AsPSObject)
            .Select(j => $"{j.Properties["JobName"].Value}:{j.Properties["ErrorMessage"].Value}")];

    private string StatusOf(string id)
        => Assert.Single(env.Session.Invoke("Get-SyncSession -SessionId $args[0]", id).Output).Properties["Status"].Value.ToString()!;

    /// <summary>Runs the launcher inside the target's namespaces, as the target host's root would (its own lock directory).</summary>
    private ProcessResult RunLauncherOnTarget(string command)
        => ProcessRunner.TryRun("nsenter",
            ["-t", env.Server.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), "-m", "-u", "--",
                "env", "-u", "DISKTOOLS_RUNTIME_DIR", "-u", "DISKTOOLS_MODULE", "XDG_DATA_HOME=" + Path.Combine(env.Home, "target-data"),
                ModuleSession.LauncherPath, "-Command", command],
            Patience);

    private static string SessionIdOf(string logPath)
    {
        Assert.True(DiskToolsLogName.TryParse(Path.GetFileName(logPath), out string id));
        return id;
    }
}
