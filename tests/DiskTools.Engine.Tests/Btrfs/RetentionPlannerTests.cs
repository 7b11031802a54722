using DiskTools.Engine.Btrfs;
using Xunit;

namespace DiskTools.Engine.Tests.Btrfs;

public class RetentionPlannerTests
{
    private static readonly DateTime Now = new(2025, 6, 30, 12, 0, 0, DateTimeKind.Utc);

    // Sessions a..e, one per 10 days back; each has @ and @home, pre and post, minutes apart.
    private static readonly BtrfsSnapshot[] History = new[] { "a", "b", "c", "d", "e" }
        .SelectMany((tag, i) => Session(tag, Now.AddDays(-10 * i)))
        .ToArray();

    [Fact]
    public void WithoutMaxAgeEverySessionBeyondKeepRecentGoes()
    {
        RetentionPlan plan = RetentionPlanner.Plan(History, new RetentionPolicy(2), Now);
        Assert.Equal(["aaaaaaaa", "bbbbbbbb"], plan.ToKeep.Select(s => s.SessionId).Distinct());
        Assert.Equal(12, plan.ToRemove.Count());
        Assert.Equal("eeeeeeee", plan.ToRemove.First().SessionId); // oldest first
    }

    [Fact]
    public void WithMaxAgeOnlyOldSessionsBeyondKeepRecentGo()
    {
        // Cutoff 25 days: c (20 days) stays, d (30) and e (40) go.
        RetentionPlan plan = RetentionPlanner.Plan(History, new RetentionPolicy(1, 25), Now);
        Assert.Equal(["aaaaaaaa", "bbbbbbbb", "cccccccc"], plan.ToKeep.Select(s => s.SessionId).Distinct());
        Assert.Equal(["eeeeeeee", "dddddddd"], plan.ToRemove.Select(s => s.SessionId).Distinct());
    }

    [Fact]
    public void KeepRecentWinsOverMaxAge()
    {
        RetentionPlan plan = RetentionPlanner.Plan(History, new RetentionPolicy(3, 0), Now);
        Assert.Equal(3, plan.Sessions.Count(s => s.Keep));
        Assert.Equal(["aaaaaaaa", "bbbbbbbb", "cccccccc"], plan.ToKeep.Select(s => s.SessionId).Distinct());
    }

    [Fact]
    public void ASessionsAgeIsItsNewestSnapshot()
    {
        // Session f started 40 days ago but took a snapshot yesterday: it is young.
        var x = Session("f", Now.AddDays(-40)).Append(Snapshot("@", SnapshotPhase.PostSync, Now.AddDays(-1), "ffffffff"));
        var y = Session("9", Now.AddDays(-5));
        RetentionPlan plan = RetentionPlanner.Plan(x.Concat(y), new RetentionPolicy(1, 30), Now);
        Assert.All(plan.Sessions, s => Assert.True(s.Keep));
        Assert.Equal("ffffffff", plan.Sessions[0].SessionId);
    }

    [Fact]
    public void SnapshotsOfOneSessionStayOrGoTogether()
    {
        RetentionPlan plan = RetentionPlanner.Plan(History, new RetentionPolicy(1), Now);
        foreach (RetentionDecision decision in plan.Sessions)
        {
            Assert.Equal(4, decision.Snapshots.Count);
        }
    }

    [Fact]
    public void KeepRecentMustBePositive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RetentionPlanner.Plan(History, new RetentionPolicy(0), Now));
        Assert.Empty(RetentionPlanner.Plan([], new RetentionPolicy(1), Now).ToRemove);
    }

    private static IEnumerable<BtrfsSnapshot> Session(string tag, DateTime start)
    {
        string id = new(tag[0], 8);
        yield return Snapshot("@", SnapshotPhase.PreSync, start, id);
        yield return Snapshot("@home", SnapshotPhase.PreSync, start.AddSeconds(2), id);
        yield return Snapshot("@", SnapshotPhase.PostSync, start.AddMinutes(10), id);
        yield return Snapshot("@home", SnapshotPhase.PostSync, start.AddMinutes(10).AddSeconds(2), id);
    }

    private static BtrfsSnapshot Snapshot(string subvolume, SnapshotPhase phase, DateTime at, string session) => new()
    {
        Subvolume = subvolume,
        Phase = phase,
        Timestamp = at,
        SessionId = session,
        Host = "test",
        Path = "/.snapshots/" + SnapshotName.Format(subvolume, phase, at, session),
        ReadOnly = true,
    };
}
