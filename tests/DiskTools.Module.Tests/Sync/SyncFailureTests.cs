using System.Diagnostics;
using System.Management.Automation;
using DiskTools.Module.Tests.Infrastructure;
using DiskTools.TestFixtures;
using Xunit;
using Xunit.Abstractions;

namespace DiskTools.Module.Tests.Sync;

/// <summary>
/// A session that fails or is stopped while the target is still starting a command: the target's login
/// shell keeps the snapshot waiting in its rc file, as a slow rc file does on a real host. Nothing the
/// session started there may run on after it has returned.
/// </summary>
[Collection(SyncCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SyncFailureTests(SyncEnvironment env, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    // The rc file's sleep: long enough that a snapshot let through would still be pending when the session returns.
    private const string Delay = "8.417";

    [SkippableFact]
    public void A_session_that_fails_on_the_source_leaves_no_command_running_and_no_late_snapshot_on_the_target()
    {
        env.Require();
        string config = env.WriteConfig("sync_jobs: { dummy_success: true }", disk: "check_interval: 30");
        string sourceSnapshots = SyncEnvironment.Snapshots(env.Source);
        string[] targetBefore = SyncEnvironment.SnapshotNames(env.Target);
        // The source's snapshot fails at once (no new entries in an immutable directory); the target's waits.
        ProcessRunner.Run("chattr", "+i", sourceSnapshots);
        try
        {
            using (env.DelayTargetSnapshots(Delay))
            {
                InvocationResult result = env.Run(config);

                PSObject session = Assert.Single(result.Output);
                Assert.Equal("Failed", session.Properties["Status"].Value.ToString());
                Assert.NotEmpty(result.Errors);
                // Returned: nothing of the target's snapshot is left to finish later — neither the login
                // shell waiting in its rc file nor the snapshot command it would have started.
                Assert.Empty(SyncEnvironment.ProcessesWith("sleep " + Delay));
                Assert.Empty(SyncEnvironment.ProcessesWith(SyncEnvironment.Snapshots(env.Target)));
                Assert.Equal(targetBefore, SyncEnvironment.SnapshotNames(env.Target));
            }
        }
        finally
        {
            ProcessRunner.Run("chattr", "-i", sourceSnapshots);
        }

        Assert.True(SyncEnvironment.LockIsFree(env.SourceLock));
        Assert.True(SyncEnvironment.LockIsFree(env.TargetLock));
    }

    [SkippableFact]
    public void A_session_stopped_while_the_target_is_starting_a_snapshot_leaves_nothing_running_there()
    {
        env.Require();
        string config = env.WriteConfig("sync_jobs: { dummy_success: true }", disk: "check_interval: 30");
        string[] targetBefore = SyncEnvironment.SnapshotNames(env.Target);
        using (env.DelayTargetSnapshots(Delay))
        {
            (PowerShell shell, IAsyncResult pending) = env.Session.Start(env.StartScript(), env.Args(config));
            using (shell)
            {
                SyncEnvironment.WaitUntil(() => SyncEnvironment.ProcessesWith("sleep " + Delay).Count > 0, Patience);

                var watch = Stopwatch.StartNew();
                shell.Stop();
                watch.Stop();
                output.WriteLine($"PowerShell.Stop() returned after {watch.Elapsed.TotalMilliseconds:0} ms");
                Assert.True(pending.IsCompleted);
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"Stop took {watch.Elapsed}");
                Assert.Empty(SyncEnvironment.ProcessesWith("sleep " + Delay));
                Assert.Empty(SyncEnvironment.ProcessesWith(SyncEnvironment.Snapshots(env.Target)));
                Assert.Equal(targetBefore, SyncEnvironment.SnapshotNames(env.Target));
            }
        }

        Assert.True(SyncEnvironment.LockIsFree(env.SourceLock));
        Assert.True(SyncEnvironment.LockIsFree(env.TargetLock));
    }
}
