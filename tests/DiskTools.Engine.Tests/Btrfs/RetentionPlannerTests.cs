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

    [Fact]
    public void A_name_dated_in_the_future_is_reported_and_ranked_by_when_btrfs_created_it()
    {
        // Two planted snapshots named in 2099 but created an hour ago, then the running session "a".
        BtrfsSnapshot[] planted =
        [
            Snapshot("@", SnapshotPhase.PreSync, Now.AddHours(-1), "deadbeef", named: new DateTime(2099, 1, 1, 0, 0, 0, DateTimeKind.Utc)),
            Snapshot("@", SnapshotPhase.PostSync, Now.AddHours(-1), "feedface", named: new DateTime(2099, 1, 2, 0, 0, 0, DateTimeKind.Utc)),
        ];
        BtrfsSnapshot[] running = [.. Session("a", Now.AddMinutes(-11))];

        RetentionPlan plan = RetentionPlanner.Plan([.. planted, .. running], new RetentionPolicy(1), Now);

        Assert.Equal("aaaaaaaa", plan.Sessions[0].SessionId);
        Assert.True(plan.Sessions[0].Keep);
        Assert.DoesNotContain(plan.ToRemove, s => s.SessionId == "aaaaaaaa");
        Assert.Equal(2, plan.Notices.Count(n => n.Contains("in the future", StringComparison.Ordinal) && n.Contains("2099-01-0", StringComparison.Ordinal)));
        Assert.Equal(["feedface", "deadbeef"], plan.ToRemove.Select(s => s.SessionId));
    }

    [Fact]
    public void The_running_session_and_whatever_was_created_after_it_began_are_never_removed()
    {
        // The session began at Now-11min; a foreign session "9" has snapshots from after that (e.g. another
        // tool, or a clock that runs ahead) and, with an older creation time, one more that ranks last.
        DateTime began = Now.AddMinutes(-11);
        BtrfsSnapshot[] running = [.. Session("a", began.AddSeconds(5))];
        BtrfsSnapshot later = Snapshot("@", SnapshotPhase.PostSync, began.AddMinutes(1), "99999999");
        BtrfsSnapshot earlier = Snapshot("@home", SnapshotPhase.PostSync, Now.AddDays(-3), "99999999");
        BtrfsSnapshot[] newer = [.. Session("b", Now.AddDays(-1)), .. Session("c", Now.AddDays(-2))];

        // keep_recent 1.
        RetentionPlan plan = RetentionPlanner.Plan([.. running, later, earlier, .. newer], new RetentionPolicy(1), Now,
            new RetentionGuard("aaaaaaaa", began));

        Assert.DoesNotContain(plan.ToRemove, s => s.SessionId == "aaaaaaaa");
        Assert.DoesNotContain(later, plan.ToRemove);
        Assert.Contains(earlier, plan.ToRemove);
        Assert.Contains(plan.Sessions.SelectMany(s => s.Protected), p => p.Snapshot == later && p.Reason.Contains("after the running session began", StringComparison.Ordinal));
    }

    [Fact]
    public void The_running_session_is_protected_on_the_hosts_own_clock_too()
    {
        // The host's clock runs a day behind this machine: "created after the session began" by this machine's
        // clock protects nothing there, but the session's own first snapshot on the host marks its start.
        DateTime hostNow = Now.AddDays(-1);
        BtrfsSnapshot[] running = [.. Session("a", hostNow.AddMinutes(-11))];
        BtrfsSnapshot sinceThen = Snapshot("@", SnapshotPhase.PreSync, hostNow.AddMinutes(-5), "77777777");
        BtrfsSnapshot[] newer = [.. Session("b", Now.AddHours(-1))];

        RetentionPlan plan = RetentionPlanner.Plan([.. running, sinceThen, .. newer], new RetentionPolicy(1), Now, new RetentionGuard("aaaaaaaa", Now.AddMinutes(-11)));

        Assert.DoesNotContain(plan.ToRemove, s => s.SessionId == "aaaaaaaa");
        Assert.DoesNotContain(sinceThen, plan.ToRemove);
    }

    [Fact]
    public void The_newest_presync_snapshot_of_each_subvolume_stays_even_when_its_session_goes()
    {
        // The newest session only snapshotted @home: the newest pre-sync of @ belongs to an older session.
        BtrfsSnapshot[] onlyHome = [Snapshot("@home", SnapshotPhase.PreSync, Now.AddDays(-1), "aaaaaaaa"), Snapshot("@home", SnapshotPhase.PostSync, Now.AddDays(-1).AddMinutes(5), "aaaaaaaa")];
        BtrfsSnapshot[] older = [.. Session("b", Now.AddDays(-5)), .. Session("c", Now.AddDays(-9))];

        RetentionPlan plan = RetentionPlanner.Plan([.. onlyHome, .. older], new RetentionPolicy(1), Now);

        BtrfsSnapshot newestRootPre = older.Single(s => s.SessionId == "bbbbbbbb" && s.Subvolume == "@" && s.Phase == SnapshotPhase.PreSync);
        Assert.DoesNotContain(newestRootPre, plan.ToRemove);
        Assert.Contains(plan.Sessions.Single(s => s.SessionId == "bbbbbbbb").Protected, p => p.Snapshot == newestRootPre && p.Reason.Contains("newest pre-sync", StringComparison.Ordinal));
        Assert.Equal(7, plan.ToRemove.Count());
    }

    [Fact]
    public void Manual_snapshots_and_snapshots_without_a_creation_time_are_never_removed_nor_counted()
    {
        BtrfsSnapshot manual = Snapshot("@", SnapshotPhase.Manual, Now.AddDays(-400), "12345678");
        BtrfsSnapshot newestManual = Snapshot("@", SnapshotPhase.Manual, Now, "23456789");
        BtrfsSnapshot unknown = Snapshot("@", SnapshotPhase.PostSync, Now.AddDays(-300), "34567890") with { CreatedAt = null };

        RetentionPlan plan = RetentionPlanner.Plan([manual, newestManual, unknown, .. History], new RetentionPolicy(2), Now);

        Assert.Equal(["aaaaaaaa", "bbbbbbbb"], plan.Sessions.Where(s => s.Keep).Select(s => s.SessionId));
        Assert.DoesNotContain(plan.ToRemove, s => s == manual || s == newestManual || s == unknown);
        Assert.Equal(3, plan.Untouched.Count);
        Assert.Contains(plan.Notices, n => n.Contains(unknown.Path, StringComparison.Ordinal));
    }

    private static IEnumerable<BtrfsSnapshot> Session(string tag, DateTime start)
    {
        string id = new(tag[0], 8);
        yield return Snapshot("@", SnapshotPhase.PreSync, start, id);
        yield return Snapshot("@home", SnapshotPhase.PreSync, start.AddSeconds(2), id);
        yield return Snapshot("@", SnapshotPhase.PostSync, start.AddMinutes(10), id);
        yield return Snapshot("@home", SnapshotPhase.PostSync, start.AddMinutes(10).AddSeconds(2), id);
    }

    private static BtrfsSnapshot Snapshot(string subvolume, SnapshotPhase phase, DateTime at, string session, DateTime? named = null) => new()
    {
        Subvolume = subvolume,
        Phase = phase,
        Timestamp = named ?? at,
        CreatedAt = at,
        SessionId = session,
        Host = "test",
        Path = "/.snapshots/" + SnapshotName.Format(subvolume, phase, named ?? at, session),
        ReadOnly = true,
    };
}
