using System.Management.Automation;
using System.Text.Json;
using System.Text.RegularExpressions;
using DiskTools.Module.Tests.Infrastructure;
using DiskTools.TestFixtures;
using Xunit;

namespace DiskTools.Module.Tests.Sync;

/// <summary>Session retention on real btrfs on both hosts: what recovery depends on is never removed.</summary>
[Collection(SyncCollection.Name)]
public sealed class SyncRetentionTests(SyncEnvironment env)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [SkippableFact]
    public void Future_dated_names_cannot_push_out_the_running_session_and_one_failed_removal_does_not_stop_retention()
    {
        env.Require();
        // Planted on both hosts before the session, with btrfs itself: two sessions named in 2099 (more than
        // keep_recent: 2 allows beside the running one), and two old ones. On the target the older of those is
        // covered by a bind mount, so deleting it fails; the other must still go.
        var planted = new List<string>();
        var busy = new List<string>();
        try
        {
            foreach (BtrfsVolume volume in new[] { env.Source, env.Target })
            {
                foreach (string name in new[] { "@data-postsync-20000101T000000-fffffff9", "@data-postsync-20000102T000000-fffffff1", "@data-presync-20991231T000000-deadbeef", "@data-postsync-20991231T235959-feedface" })
                {
                    string path = Path.Combine(SyncEnvironment.Snapshots(volume), name);
                    ProcessRunner.Run("btrfs", "subvolume", "snapshot", "-r", "--", SyncEnvironment.Data(volume), path);
                    planted.Add(path);
                }
            }

            string stuck = Path.Combine(SyncEnvironment.Snapshots(env.Target), "@data-postsync-20000101T000000-fffffff9");
            string cover = Directory.CreateTempSubdirectory("disktools-cover-").FullName;
            ProcessRunner.Run("mount", "--bind", cover, stuck);
            busy.Add(stuck);

            // btrfs records creation times in whole seconds, and whatever a host created in the second of the
            // session's first snapshot there counts as newer than the session: start it in a later second.
            WaitForTheNextSecond();

            string config = env.WriteConfig("sync_jobs: { dummy_success: true }\ndummy_success: { duration_seconds: 1 }");
            InvocationResult result = env.Run(config);

            PSObject session = Assert.Single(result.Output);
            string id = (string)session.Properties["SessionId"].Value;
            foreach (BtrfsVolume volume in new[] { env.Source, env.Target })
            {
                string[] names = SyncEnvironment.SnapshotNames(volume);
                Assert.Single(names, n => n.StartsWith("@data-presync-", StringComparison.Ordinal) && n.EndsWith("-" + id, StringComparison.Ordinal));
                Assert.Single(names, n => n.StartsWith("@data-postsync-", StringComparison.Ordinal) && n.EndsWith("-" + id, StringComparison.Ordinal));
                Assert.DoesNotContain("@data-postsync-20000102T000000-fffffff1", names);
            }

            Assert.DoesNotContain("@data-postsync-20000101T000000-fffffff9", SyncEnvironment.SnapshotNames(env.Source));
            Assert.Contains("@data-postsync-20000101T000000-fffffff9", SyncEnvironment.SnapshotNames(env.Target));

            // The failed removal fails the session (an ERROR), after retention went on; the future names were reported.
            Assert.Equal("Failed", session.Properties["Status"].Value.ToString());
            IReadOnlyList<JsonElement> lines = SyncEnvironment.LogLines((string)session.Properties["LogFile"].Value);
            Assert.Contains(lines, l => l.GetProperty("level").GetString() == "ERROR" && l.GetProperty("event").GetString()!.Contains("fffffff9", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.GetProperty("level").GetString() == "WARNING" && l.GetProperty("event").GetString()!.Contains("20991231T000000-deadbeef is named as taken at 2099-12-31", StringComparison.Ordinal));
        }
        finally
        {
            foreach (string mount in busy)
            {
                ProcessRunner.TryRun("umount", [mount], TimeSpan.FromSeconds(30));
            }

            foreach (string path in planted.Where(Directory.Exists))
            {
                ProcessRunner.TryRun("btrfs", ["subvolume", "delete", "--", path], TimeSpan.FromSeconds(30));
            }
        }
    }

    [SkippableFact]
    public void Retention_reads_the_listing_afresh_and_never_removes_a_snapshot_created_on_the_target_after_the_session_began()
    {
        env.Require();
        string snapshots = SyncEnvironment.Snapshots(env.Target);
        const string old = "@data-postsync-20000104T000000-0000a001";       // an older session: retention removes it
        const string vanishing = "@data-postsync-20000105T000000-0000a002"; // one too, but it is gone by then
        const string late = "@data-postsync-20000103T000000-0000b001";      // named as old, created mid-session
        var planted = new List<string>();
        try
        {
            foreach (string name in new[] { old, vanishing })
            {
                Snapshot(Path.Combine(snapshots, name));
                planted.Add(Path.Combine(snapshots, name));
            }

            // btrfs records creation times in whole seconds: the session starts in a later second than these.
            WaitForTheNextSecond();

            // The tightest keep count: only the newest session stays by rank.
            string config = env.WriteConfig("sync_jobs: { dummy_success: true }\ndummy_success: { duration_seconds: 3 }");
            File.WriteAllText(config, File.ReadAllText(config).Replace("keep_recent: 2", "keep_recent: 1", StringComparison.Ordinal));
            HashSet<string> earlier = Directory.Exists(env.LogDirectory) ? [.. Directory.GetFiles(env.LogDirectory)] : [];
            (PowerShell shell, IAsyncResult pending) = env.Session.Start(env.StartScript(), env.Args(config));
            using (shell)
            {
                // Mid-session, after the pre-sync snapshots: one snapshot appears on the target, another goes.
                string log = env.WaitForLog("dummy_success running", Patience, earlier);
                Snapshot(Path.Combine(snapshots, late));
                planted.Add(Path.Combine(snapshots, late));
                ProcessRunner.Run("btrfs", "subvolume", "delete", "--", Path.Combine(snapshots, vanishing));
                Assert.False(pending.IsCompleted, "the session ended before the target changed under it");

                Assert.True(pending.AsyncWaitHandle.WaitOne(Patience), "the session did not end");
                PSObject session = Assert.Single(shell.EndInvoke(pending));
                Assert.Empty(shell.Streams.Error);
                Assert.Equal("Completed", session.Properties["Status"].Value.ToString());
                string id = (string)session.Properties["SessionId"].Value;

                string[] names = SyncEnvironment.SnapshotNames(env.Target);
                Assert.Contains(late, names);
                Assert.DoesNotContain(old, names);
                Assert.Single(names, n => n.StartsWith("@data-presync-", StringComparison.Ordinal) && n.EndsWith("-" + id, StringComparison.Ordinal));
                Assert.Single(names, n => n.StartsWith("@data-postsync-", StringComparison.Ordinal) && n.EndsWith("-" + id, StringComparison.Ordinal));
                // Ranked second (by creation time), beyond keep_recent: 1, so only the session's guard keeps it.
                IReadOnlyList<JsonElement> lines = SyncEnvironment.LogLines(log);
                Assert.Contains(lines, l => l.GetProperty("event").GetString() is { } e
                    && Regex.IsMatch(e, $@"^Retention keeps \S*/{Regex.Escape(late)} of session 0000b001: created after the running session began$"));
                Assert.Contains(lines, l => l.GetProperty("event").GetString()!.StartsWith($"Retention removed {Path.Combine(snapshots, old)} ", StringComparison.Ordinal));
                Assert.DoesNotContain(lines, l => l.GetProperty("event").GetString()!.Contains(vanishing, StringComparison.Ordinal));
            }
        }
        finally
        {
            foreach (string path in planted.Where(Directory.Exists))
            {
                ProcessRunner.TryRun("btrfs", ["subvolume", "delete", "--", path], TimeSpan.FromSeconds(30));
            }
        }
    }

    private static void Snapshot(string path)
        => ProcessRunner.Run("btrfs", "subvolume", "snapshot", "-r", "--", Path.GetDirectoryName(Path.GetDirectoryName(path))! + "/@data", path);

    /// <summary>Waits until the clock is in a later whole second than now (btrfs creation times have seconds only).</summary>
    private static void WaitForTheNextSecond()
    {
        long second = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        SyncEnvironment.WaitUntil(() => DateTimeOffset.UtcNow.ToUnixTimeSeconds() > second, TimeSpan.FromSeconds(3));
    }
}
