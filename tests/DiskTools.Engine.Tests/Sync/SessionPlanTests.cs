using DiskTools.Engine.Output;
using DiskTools.Engine.Sync.Session;
using Xunit;

namespace DiskTools.Engine.Tests.Sync;

/// <summary>A session's plan: the jobs its config enables or -Job names, in sync_jobs order, and why the rest do not run.</summary>
public sealed class SessionPlanTests : IDisposable
{
    private readonly string file = Path.Combine(Path.GetTempPath(), $"disktools-plan-{Guid.NewGuid():N}.yaml");

    public SessionPlanTests()
        => File.WriteAllText(file, "sync_jobs:\n  dummy_fail: false\n  dummy_success: true\n  folder_sync: false\n");

    public void Dispose() => File.Delete(file);

    [Fact]
    public void Without_Job_the_enabled_entries_run_and_the_others_say_sync_jobs_disables_them()
    {
        SessionPlan plan = SessionPlan.Load(file);
        Assert.Empty(plan.Jobs);

        plan.Select(null);
        Assert.Equal(["dummy_fail", "dummy_success", "folder_sync"], plan.Jobs.Select(j => j.Name));
        Assert.Equal(["dummy_success"], plan.RunningNames);
        Assert.Equal(["dummy_success"], plan.Running.Select(j => j.Name));
        Assert.Equal(["disabled in sync_jobs", null, "disabled in sync_jobs"], plan.Jobs.Select(j => j.WhyNotRun));
        Assert.False(plan.UsesRsync);
    }

    [Fact]
    public void Job_picks_entries_by_name_whatever_sync_jobs_says()
    {
        SessionPlan plan = SessionPlan.Load(file);
        plan.Select(["DUMMY_FAIL", "folder_sync"]);
        Assert.Equal(["dummy_fail", "folder_sync"], plan.RunningNames);
        Assert.Equal([null, "not selected with -Job", null], plan.Jobs.Select(j => j.WhyNotRun));
        Assert.True(plan.UsesRsync);

        plan.Select(["dummy_success"]);
        Assert.Equal(["not selected with -Job (and disabled in sync_jobs)", null, "not selected with -Job (and disabled in sync_jobs)"], plan.Jobs.Select(j => j.WhyNotRun));
    }

    [Fact]
    public void Job_naming_an_entry_sync_jobs_does_not_list_is_refused()
    {
        SessionPlan plan = SessionPlan.Load(file);
        var refused = Assert.Throws<DiskToolsException>(() => plan.Select(["dummy_success", "nope"]));
        Assert.Equal("SyncJobNotConfigured", refused.ErrorId);
        Assert.Equal("nope", refused.Target);
        Assert.Contains("it lists: dummy_fail, dummy_success, folder_sync", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_summary_names_the_jobs_that_run()
    {
        SessionPlan plan = SessionPlan.Load(file);
        plan.Select(null);
        Assert.Contains("jobs: dummy_success,", plan.Summary("box"), StringComparison.Ordinal);
        Assert.StartsWith("Sync from box: snapshots of ", plan.Summary("box"), StringComparison.Ordinal);
    }
}
