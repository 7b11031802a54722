using System.Management.Automation;
using System.Text.Json;
using DiskTools.Module.Tests.Infrastructure;
using DiskTools.TestFixtures;
using Xunit;

namespace DiskTools.Module.Tests.Sync;

/// <summary>
/// "A bad sync can be undone by hand" is checked before anything changes: deletions only where the session's
/// snapshots reach, never into DiskTools' own directories, never more data than the target can take.
/// </summary>
[Collection(SyncCollection.Name)]
public sealed class SyncUndoTests(SyncEnvironment env)
{
    [SkippableFact]
    public void Delete_is_refused_where_no_snapshot_of_the_session_could_undo_it()
    {
        env.Require();
        string src = Path.Combine(SyncEnvironment.Data(env.Source), "undo-src");
        Directory.CreateDirectory(src);
        File.WriteAllText(Path.Combine(src, "a.txt"), "a");
        // On the target: a folder in the file system's top level (not a subvolume the session snapshots), and one
        // in a subvolume nested inside @data (a snapshot of @data does not include it).
        string loose = Path.Combine(env.Target.MountPoint, "loose");
        string nested = Path.Combine(SyncEnvironment.Data(env.Target), "nested-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(loose);
        File.WriteAllText(Path.Combine(loose, "only-copy.txt"), "precious");
        ProcessRunner.Run("btrfs", "subvolume", "create", "--", nested);
        File.WriteAllText(Path.Combine(nested, "only-copy.txt"), "precious");
        try
        {
            string config = env.WriteConfig($$"""
                sync_jobs: { folder_sync: true }
                folder_sync:
                  folders:
                    - { source: "{{src}}", target: "{{loose}}", delete: true }
                    - { source: "{{src}}", target: "{{nested}}", delete: true }
                """);
            string[] targetSnaps = SyncEnvironment.SnapshotNames(env.Target);

            InvocationResult result = env.Run(config);

            ErrorRecord error = Assert.Single(result.Errors);
            Assert.StartsWith("SyncValidationFailed", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Contains($"'{loose}' has delete: true but is in the file system's top level", error.Exception.Message, StringComparison.Ordinal);
            Assert.Contains($"'{nested}' has delete: true but is in the subvolume '@data/{Path.GetFileName(nested)}'", error.Exception.Message, StringComparison.Ordinal);
            Assert.Equal("Failed", Assert.Single(result.Output).Properties["Status"].Value.ToString());
            Assert.True(File.Exists(Path.Combine(loose, "only-copy.txt")));
            Assert.True(File.Exists(Path.Combine(nested, "only-copy.txt")));
            Assert.Equal(targetSnaps, SyncEnvironment.SnapshotNames(env.Target));

            // The explicit opt-out runs, and says so as a WARNING every time.
            File.WriteAllText(config, File.ReadAllText(config).Replace("delete: true }", "delete: true, delete_without_snapshot: true }", StringComparison.Ordinal));
            for (int run = 0; run < 2; run++)
            {
                InvocationResult allowed = env.Run(config);
                Assert.Empty(allowed.Errors);
                Assert.Equal("Completed", Assert.Single(allowed.Output).Properties["Status"].Value.ToString());
                Assert.Contains(allowed.Warnings, w => w.Message.Contains($"'{loose}' has delete: true", StringComparison.Ordinal) && w.Message.Contains("delete_without_snapshot", StringComparison.Ordinal));
                Assert.Contains(allowed.Warnings, w => w.Message.Contains($"'{nested}' has delete: true", StringComparison.Ordinal));
            }

            Assert.False(File.Exists(Path.Combine(loose, "only-copy.txt")));
            Assert.True(File.Exists(Path.Combine(loose, "a.txt")));
        }
        finally
        {
            ProcessRunner.TryRun("btrfs", ["subvolume", "delete", "--", nested], TimeSpan.FromSeconds(30));
            Directory.Delete(loose, recursive: true);
        }
    }

    [SkippableFact]
    public void The_root_the_snapshot_directory_and_DiskTools_own_directories_are_refused_as_targets()
    {
        env.Require();
        string src = Path.Combine(SyncEnvironment.Data(env.Source), "reserved-src");
        Directory.CreateDirectory(src);
        string targetLogs = Path.Combine(env.TargetDataHome, "disktools", "logs");
        // The target's lock (runtime) directory, as the target names it: the session takes its lock there before it
        // validates (env.TargetLock is that lock seen from here). A link in @data that leads there is refused too.
        const string targetLocks = "/run/disktools";
        string lockLink = Path.Combine(SyncEnvironment.Data(env.Target), "lock-link-" + Guid.NewGuid().ToString("N")[..6]);
        File.CreateSymbolicLink(lockLink, targetLocks);
        string config = env.WriteConfig($$"""
            sync_jobs: { folder_sync: true }
            folder_sync:
              folders:
                - { source: "{{src}}", target: "/" }
                - { source: "{{src}}", target: "{{SyncEnvironment.Snapshots(env.Target)}}" }
                - { source: "{{src}}", target: "{{Path.Combine(SyncEnvironment.Snapshots(env.Target), "inside")}}" }
                - { source: "{{src}}", target: "{{targetLogs}}" }
                - { source: "{{src}}", target: "{{targetLocks}}" }
                - { source: "{{src}}", target: "{{targetLocks}}/inside" }
                - { source: "{{src}}", target: "{{lockLink}}" }
            """);

        InvocationResult result;
        try
        {
            result = env.Run(config);
        }
        finally
        {
            File.Delete(lockLink);
        }

        ErrorRecord error = Assert.Single(result.Errors);
        Assert.StartsWith("SyncValidationFailed", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        string message = error.Exception.Message;
        Assert.Contains("'/' is the root directory", message, StringComparison.Ordinal);
        Assert.Contains($"'{SyncEnvironment.Snapshots(env.Target)}' is the snapshot directory", message, StringComparison.Ordinal);
        Assert.Contains($"'{Path.Combine(SyncEnvironment.Snapshots(env.Target), "inside")}' is inside the snapshot directory", message, StringComparison.Ordinal);
        Assert.Contains($"'{targetLogs}' is inside a directory DiskTools keeps its own data, logs or locks in ({Path.Combine(env.TargetDataHome, "disktools")})", message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(SyncEnvironment.Snapshots(env.Target), "inside")));
        const string reserved = "a directory DiskTools keeps its own data, logs or locks in";
        Assert.Contains($"'{targetLocks}' is {reserved} ({targetLocks})", message, StringComparison.Ordinal);
        Assert.Contains($"'{targetLocks}/inside' is inside {reserved} ({targetLocks})", message, StringComparison.Ordinal);
        Assert.Contains($"'{lockLink}' is {reserved} ({targetLocks})", message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(env.Server.PathInside(targetLocks + "/inside")));
        Assert.Equal(env.TargetLock, env.Server.PathInside(targetLocks + "/sync.lock"));
        Assert.Equal(["sync.lock"], Directory.GetFileSystemEntries(env.Server.PathInside(targetLocks)).Select(Path.GetFileName));
    }

    [SkippableFact]
    public void A_synced_home_keeps_the_targets_own_DiskTools_logs_and_sends_none_of_the_sources()
    {
        env.Require();
        // The target's home holds its own session log (it runs sessions too); the source's home holds one as well.
        string srcHome = Path.Combine(SyncEnvironment.Data(env.Source), "home");
        string dstHome = Path.GetDirectoryName(Path.GetDirectoryName(env.TargetDataHome)!)!;
        string targetLog = Path.Combine(env.TargetDataHome, "disktools", "logs", "sync-20250101T000000-0badcafe.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(targetLog)!);
        File.WriteAllText(targetLog, "{\"record\":\"session_started\"}\n");
        File.WriteAllText(Path.Combine(dstHome, "gone.txt"), "deleted: the source lacks it");
        Directory.CreateDirectory(Path.Combine(srcHome, ".local", "share", "disktools", "logs"));
        File.WriteAllText(Path.Combine(srcHome, ".local", "share", "disktools", "logs", "sync-20250102T000000-5ca1ab1e.jsonl"), "source's own");
        File.WriteAllText(Path.Combine(srcHome, "notes.txt"), "notes");
        string config = env.WriteConfig($$"""
            sync_jobs: { folder_sync: true }
            folder_sync:
              folders: [{ source: "{{srcHome}}", target: "{{dstHome}}", delete: true }]
            """);

        InvocationResult result = env.Run(config);

        Assert.Empty(result.Errors);
        Assert.Equal("Completed", Assert.Single(result.Output).Properties["Status"].Value.ToString());
        Assert.Equal("notes", File.ReadAllText(Path.Combine(dstHome, "notes.txt")));
        Assert.False(File.Exists(Path.Combine(dstHome, "gone.txt")));
        Assert.True(File.Exists(targetLog), "delete: true removed the target's own session log");
        Assert.False(File.Exists(Path.Combine(env.TargetDataHome, "disktools", "logs", "sync-20250102T000000-5ca1ab1e.jsonl")));
    }

    [SkippableFact]
    public void A_runtime_minimum_above_the_preflight_minimum_is_refused()
    {
        env.Require();
        string config = env.WriteConfig("sync_jobs: { dummy_success: true }\ndummy_success: { duration_seconds: 1 }",
            disk: "preflight_minimum: 5%\n  runtime_minimum: 10%\n  check_interval: 1");
        string[] targetSnaps = SyncEnvironment.SnapshotNames(env.Target);

        InvocationResult result = env.Run(config);

        ErrorRecord error = Assert.Single(result.Errors);
        Assert.StartsWith("SyncValidationFailed", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains("disk.runtime_minimum 10%", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("is above disk.preflight_minimum 5%", error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal(targetSnaps, SyncEnvironment.SnapshotNames(env.Target));
    }

    [SkippableFact]
    public void Preflight_refuses_a_transfer_that_would_take_the_target_below_the_runtime_minimum()
    {
        env.Require();
        // 150 MiB (sparse on the source, so it costs nothing there) into a 256 MiB target that must keep 50% free.
        string src = Path.Combine(SyncEnvironment.Data(env.Source), "too-big");
        string dst = Path.Combine(SyncEnvironment.Data(env.Target), "too-big");
        Directory.CreateDirectory(src);
        using (FileStream big = File.Create(Path.Combine(src, "big.bin")))
        {
            big.SetLength(150L << 20);
        }

        try
        {
            string config = env.WriteConfig($$"""
                sync_jobs: { folder_sync: true }
                folder_sync:
                  folders: [{ source: "{{src}}", target: "{{dst}}" }]
                """, disk: "preflight_minimum: 60%\n  runtime_minimum: 50%\n  check_interval: 30");
            string[] targetSnaps = SyncEnvironment.SnapshotNames(env.Target);

            InvocationResult result = env.Run(config);

            ErrorRecord error = Assert.Single(result.Errors);
            Assert.StartsWith("SyncValidationFailed", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Contains($"copying about 150.0 MiB ({(150L << 20).ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} bytes) into {dst} would leave", error.Exception.Message, StringComparison.Ordinal);
            Assert.Contains("below the runtime minimum 50% (128.0 MiB)", error.Exception.Message, StringComparison.Ordinal);
            Assert.False(Directory.Exists(dst));
            Assert.Equal(targetSnaps, SyncEnvironment.SnapshotNames(env.Target));
        }
        finally
        {
            Directory.Delete(src, recursive: true);
        }
    }
}
