using System.Diagnostics;
using System.Management.Automation;
using System.Text.Json;
using System.Text.RegularExpressions;
using DiskTools.Module.Tests.Infrastructure;
using DiskTools.TestFixtures;
using Xunit;

namespace DiskTools.Module.Tests.Sync;

[Collection(SyncCollection.Name)]
public sealed class SyncSessionTests(SyncEnvironment env)
{
    private const string SessionType = "DiskTools.Engine.Sync.Session.SyncSession";

    [SkippableFact]
    public void A_complete_session_syncs_folders_between_snapshots_and_logs_JSON_lines()
    {
        env.Require();
        const string odd = "we ird $(touch pwned); `x` 'q' & |";
        string src = Path.Combine(SyncEnvironment.Data(env.Source), "complete", odd);
        string dst = Path.Combine(SyncEnvironment.Data(env.Target), "complete", odd);
        Directory.CreateDirectory(Path.Combine(src, "sub dir"));
        Directory.CreateDirectory(Path.GetDirectoryName(dst)!);
        File.WriteAllText(Path.Combine(src, "a.txt"), "alpha");
        File.WriteAllText(Path.Combine(src, "sub dir", "b;rm -rf.txt"), "beta");
        File.WriteAllText(Path.Combine(src, "skip.tmp"), "excluded");
        string filter = Path.Combine(env.Home, "complete.rules");
        File.WriteAllText(filter, "- *.tmp\n");
        string config = env.WriteConfig($$"""
            sync_jobs:
              dummy_fail: false
              folder_sync: true
            folder_sync:
              folders:
                - source: "{{src}}"
                  target: "{{dst}}"
                  filter: "{{filter}}"
            """);

        InvocationResult result = env.Run(config, "-Verbose");

        Assert.Empty(result.Errors);
        PSObject session = Assert.Single(result.Output);
        Assert.Equal(SessionType, session.BaseObject.GetType().FullName);
        string id = (string)session.Properties["SessionId"].Value;
        Assert.Matches("^[0-9a-f]{8}$", id);
        Assert.Equal("Completed", session.Properties["Status"].Value.ToString());
        Assert.Equal(Environment.MachineName, session.Properties["SourceHostname"].Value);
        Assert.False(string.IsNullOrEmpty((string)session.Properties["TargetHostname"].Value));
        Assert.NotNull(session.Properties["EndedAt"].Value);

        // Jobs: in config order; the disabled one skipped.
        var jobs = ((System.Collections.IEnumerable)session.Properties["JobResults"].Value).Cast<object>().Select(PSObject.AsPSObject).ToList();
        Assert.Equal(["dummy_fail", "folder_sync"], jobs.Select(j => (string)j.Properties["JobName"].Value));
        Assert.Equal(["Skipped", "Success"], jobs.Select(j => j.Properties["Status"].Value.ToString()));
        Assert.True((TimeSpan)jobs[1].Properties["Duration"].Value > TimeSpan.Zero);

        // Folders synced, the filter honoured, shell metacharacters kept as names.
        Assert.Equal("alpha", File.ReadAllText(Path.Combine(dst, "a.txt")));
        Assert.Equal("beta", File.ReadAllText(Path.Combine(dst, "sub dir", "b;rm -rf.txt")));
        Assert.False(File.Exists(Path.Combine(dst, "skip.tmp")));
        Assert.False(File.Exists("pwned") || File.Exists(Path.Combine(env.Home, "pwned")));

        // Snapshots: pre and post on both hosts, with the right names, read-only.
        foreach (BtrfsVolume volume in new[] { env.Source, env.Target })
        {
            string[] mine = [.. SyncEnvironment.SnapshotNames(volume).Where(n => n.EndsWith("-" + id, StringComparison.Ordinal))];
            Assert.Equal(2, mine.Length);
            Assert.Matches($"^@data-postsync-\\d{{8}}T\\d{{6}}-{id}$", mine[0]);
            Assert.Matches($"^@data-presync-\\d{{8}}T\\d{{6}}-{id}$", mine[1]);
            Assert.ThrowsAny<Exception>(() => File.WriteAllText(Path.Combine(SyncEnvironment.Snapshots(volume), mine[0], "x"), "x"));
        }

        var snapshots = ((System.Collections.IEnumerable)session.Properties["Snapshots"].Value).Cast<object>().Select(PSObject.AsPSObject).ToList();
        Assert.Equal(4, snapshots.Count);
        Assert.Equal(2, snapshots.Count(s => s.Properties["Role"].Value.ToString() == "Target"));

        // The log: one JSON object per line with the fixed keys, the real hostnames, FULL itemized changes.
        string log = (string)session.Properties["LogFile"].Value;
        Assert.Equal(Path.Combine(env.LogDirectory, Path.GetFileName(log)), log);
        Assert.Matches($"^sync-\\d{{8}}T\\d{{6}}-{id}\\.jsonl$", Path.GetFileName(log));
        IReadOnlyList<JsonElement> lines = SyncEnvironment.LogLines(log);
        Assert.All(lines, l => Assert.Equal(["timestamp", "level", "job", "host", "event"], l.EnumerateObject().Take(5).Select(p => p.Name)));
        Assert.All(lines, l => Assert.DoesNotContain(l.GetProperty("host").GetString(), new[] { "source", "target" }));
        Assert.Contains(lines, l => l.GetProperty("level").GetString() == "FULL" && l.GetProperty("job").GetString() == "folder_sync"
            && l.TryGetProperty("change", out _) && l.GetProperty("path").GetString() == "a.txt");
        Assert.Contains(lines, l => l.TryGetProperty("record", out JsonElement r) && r.GetString() == "session_finished");

        // The console: FULL went to verbose, progress had a session activity and per-job children, all closed.
        Assert.Contains(result.Verbose, v => v.Message.Contains("a.txt", StringComparison.Ordinal));
        Assert.Contains(result.Information, i => i.MessageData.ToString()!.Contains("Synced", StringComparison.Ordinal));
        Assert.Contains(result.Progress, p => p.ActivityId == 1 && p.ParentActivityId == -1);
        Assert.Contains(result.Progress, p => p.ParentActivityId == 1 && p.Activity == "folder_sync");
        Assert.Contains(result.Progress, p => p.ActivityId == 1 && p.RecordType == ProgressRecordType.Completed);

        // Get-SyncSession rebuilds the same session from the log.
        InvocationResult history = env.Session.Invoke("Get-SyncSession -SessionId $args[0]", id);
        PSObject rebuilt = Assert.Single(history.Output);
        Assert.Equal("Completed", rebuilt.Properties["Status"].Value.ToString());
        Assert.Equal(4, ((System.Collections.ICollection)rebuilt.Properties["Snapshots"].Value).Count);
        Assert.Equal(2, ((System.Collections.ICollection)rebuilt.Properties["JobResults"].Value).Count);
        Assert.True(SyncEnvironment.LockIsFree(env.SourceLock));
    }

    [SkippableFact]
    public void Config_errors_are_all_reported_with_lines_and_nothing_runs()
    {
        env.Require();
        string[] sourceSnaps = SyncEnvironment.SnapshotNames(env.Source);
        string[] targetSnaps = SyncEnvironment.SnapshotNames(env.Target);
        string config = Path.Combine(env.Home, "broken.yaml");
        File.WriteAllText(config, """
            log_cli_level: CHATTY
            sync_jobs:
              dummy_success: true
              warp_drive: true
            disk:
              runtime_minimum: 15 percent
            btrfs_snapshots:
              subvolumes: [data]
            dummy_success:
              duration_seconds: soon
            """);

        InvocationResult result = env.Run(config);

        PSObject session = Assert.Single(result.Output);
        Assert.Equal("Failed", session.Properties["Status"].Value.ToString());
        ErrorRecord error = Assert.Single(result.Errors);
        Assert.StartsWith("SyncConfigInvalid", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
        Assert.Equal(config, error.TargetObject);
        string message = error.Exception.Message;
        foreach (string expected in new[] { "line 1, column 16: log_cli_level", "line 4, column 3: sync_jobs.warp_drive", "line 6, column 20: disk.runtime_minimum", "line 8, column 16: btrfs_snapshots.subvolumes[0]", "line 10, column 21: dummy_success.duration_seconds" })
        {
            Assert.Contains(expected, message, StringComparison.Ordinal);
        }

        Assert.Contains("5 errors", message, StringComparison.Ordinal);
        Assert.Equal(sourceSnaps, SyncEnvironment.SnapshotNames(env.Source));
        Assert.Equal(targetSnaps, SyncEnvironment.SnapshotNames(env.Target));
        Assert.Empty(((System.Collections.ICollection)session.Properties["JobResults"].Value).Cast<object>());
    }

    [SkippableFact]
    public void A_failing_job_fails_the_session_through_cleanup()
    {
        env.Require();
        string config = env.WriteConfig("""
            sync_jobs:
              dummy_fail: true
              dummy_success: true
            dummy_fail:
              duration_seconds: 2
              fail_at_percent: 40
            dummy_success:
              duration_seconds: 1
            """);

        InvocationResult result = env.Run(config);

        PSObject session = Assert.Single(result.Output);
        string id = (string)session.Properties["SessionId"].Value;
        Assert.Equal("Failed", session.Properties["Status"].Value.ToString());
        Assert.Contains("failed on purpose", (string)session.Properties["ErrorMessage"].Value, StringComparison.Ordinal);
        var jobs = ((System.Collections.IEnumerable)session.Properties["JobResults"].Value).Cast<object>().Select(PSObject.AsPSObject).ToList();
        Assert.Equal(["dummy_fail:Failed", "dummy_success:Skipped"], jobs.Select(j => $"{j.Properties["JobName"].Value}:{j.Properties["Status"].Value}"));
        Assert.Contains(result.Errors, e => e.FullyQualifiedErrorId.StartsWith("SyncJobFailed", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.FullyQualifiedErrorId.StartsWith("SyncError", StringComparison.Ordinal));

        // Pre-sync snapshots were taken, post-sync ones not; the lock is free; the log went through Cleanup.
        Assert.Single(SyncEnvironment.SnapshotNames(env.Target), n => n.Contains("-presync-", StringComparison.Ordinal) && n.EndsWith(id, StringComparison.Ordinal));
        Assert.DoesNotContain(SyncEnvironment.SnapshotNames(env.Target), n => n.Contains("-postsync-", StringComparison.Ordinal) && n.EndsWith(id, StringComparison.Ordinal));
        Assert.True(SyncEnvironment.LockIsFree(env.SourceLock));
        IReadOnlyList<JsonElement> lines = SyncEnvironment.LogLines((string)session.Properties["LogFile"].Value);
        Assert.Contains(lines, l => l.GetProperty("level").GetString() == "CRITICAL");
        Assert.Contains(lines, l => l.TryGetProperty("to_state", out JsonElement s) && s.GetString() == "Cleanup");
        Assert.Contains(lines, l => l.TryGetProperty("to_state", out JsonElement s) && s.GetString() == "Failed");
    }

    [SkippableFact]
    public void WhatIf_validates_and_changes_nothing_on_either_host()
    {
        env.Require();
        string src = Path.Combine(SyncEnvironment.Data(env.Source), "whatif");
        string dst = Path.Combine(SyncEnvironment.Data(env.Target), "whatif");
        Directory.CreateDirectory(src);
        File.WriteAllText(Path.Combine(src, "f.txt"), "f");
        string config = env.WriteConfig($$"""
            sync_jobs: { folder_sync: true }
            folder_sync:
              delete: true
              folders: [{ source: "{{src}}", target: "{{dst}}" }]
            """);
        string[] sourceSnaps = SyncEnvironment.SnapshotNames(env.Source);
        string[] targetSnaps = SyncEnvironment.SnapshotNames(env.Target);
        int logs = Directory.Exists(env.LogDirectory) ? Directory.GetFiles(env.LogDirectory).Length : 0;

        InvocationResult result = env.Run(config, "-WhatIf -InformationAction Continue");

        Assert.Empty(result.Errors);
        PSObject session = Assert.Single(result.Output);
        Assert.Equal("Completed", session.Properties["Status"].Value.ToString());
        Assert.True((bool)session.Properties["WhatIf"].Value);
        Assert.Null(session.Properties["LogFile"].Value);
        Assert.Contains(result.Information, i => i.MessageData.ToString()!.Contains($"{src} ->", StringComparison.Ordinal));
        Assert.False(Directory.Exists(dst));
        Assert.Equal(sourceSnaps, SyncEnvironment.SnapshotNames(env.Source));
        Assert.Equal(targetSnaps, SyncEnvironment.SnapshotNames(env.Target));
        Assert.Equal(logs, Directory.Exists(env.LogDirectory) ? Directory.GetFiles(env.LogDirectory).Length : 0);
    }

    [SkippableFact]
    public void Live_checks_report_every_problem_before_anything_changes()
    {
        env.Require();
        string config = env.WriteConfig("""
            sync_jobs: { folder_sync: true }
            folder_sync:
              folders:
                - { path: /nonexistent/disktools/a }
                - { source: /nonexistent/disktools/b, target: /nonexistent/x/y }
            """).Replace("subvolumes: [\"@data\"]", "subvolumes: [\"@data\", \"@missing\"]", StringComparison.Ordinal);
        File.WriteAllText(config, File.ReadAllText(config).Replace("subvolumes: [\"@data\"]", "subvolumes: [\"@data\", \"@missing\"]", StringComparison.Ordinal));
        string[] targetSnaps = SyncEnvironment.SnapshotNames(env.Target);

        InvocationResult result = env.Run(config);

        ErrorRecord error = Assert.Single(result.Errors);
        Assert.StartsWith("SyncValidationFailed", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains("'@missing'", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/disktools/a", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/x", error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal("Failed", Assert.Single(result.Output).Properties["Status"].Value.ToString());
        Assert.Equal(targetSnaps, SyncEnvironment.SnapshotNames(env.Target));
    }
}
