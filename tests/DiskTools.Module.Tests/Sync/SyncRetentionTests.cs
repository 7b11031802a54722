using System.Management.Automation;
using System.Text.Json;
using DiskTools.Module.Tests.Infrastructure;
using DiskTools.TestFixtures;
using Xunit;

namespace DiskTools.Module.Tests.Sync;

/// <summary>Session retention on real btrfs on both hosts: what recovery depends on is never removed.</summary>
[Collection(SyncCollection.Name)]
public sealed class SyncRetentionTests(SyncEnvironment env)
{
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

            // btrfs records creation times in whole seconds, and whatever shares a second with the session's
            // first snapshot counts as created after it began (and is kept): let the clock leave that second.
            long plantedTicks = DateTime.UtcNow.Ticks;
            long nextSecond = plantedTicks - (plantedTicks % TimeSpan.TicksPerSecond) + TimeSpan.TicksPerSecond;
            SyncEnvironment.WaitUntil(() => DateTime.UtcNow.Ticks >= nextSecond, TimeSpan.FromSeconds(5));

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
}
