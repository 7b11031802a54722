namespace DiskTools.Engine.Btrfs;

/// <summary>How many snapshot sessions to keep.</summary>
/// <param name="KeepRecent">The newest sessions always kept (at least 1).</param>
/// <param name="MaxAgeDays">When set, an older session goes only if its newest snapshot is older than this many days; when null, every session beyond KeepRecent goes.</param>
public sealed record RetentionPolicy(int KeepRecent, int? MaxAgeDays = null)
{
    public void Validate()
    {
        if (KeepRecent < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(KeepRecent), KeepRecent, "KeepRecent must be at least 1: the newest session is always kept.");
        }

        if (MaxAgeDays is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxAgeDays), MaxAgeDays, "MaxAgeDays cannot be negative.");
        }
    }
}

/// <summary>The verdict on one session.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="Newest">Timestamp of its newest snapshot (a session's age).</param>
/// <param name="Rank">1 for the newest session.</param>
/// <param name="Keep">True when its snapshots stay.</param>
/// <param name="Reason">Why, in words.</param>
/// <param name="Snapshots">Its snapshots, newest first.</param>
public sealed record RetentionDecision(string SessionId, DateTime Newest, int Rank, bool Keep, string Reason, IReadOnlyList<BtrfsSnapshot> Snapshots);

/// <summary>What retention would keep and remove.</summary>
public sealed record RetentionPlan(IReadOnlyList<RetentionDecision> Sessions)
{
    public IEnumerable<BtrfsSnapshot> ToKeep => Sessions.Where(s => s.Keep).SelectMany(s => s.Snapshots);

    /// <summary>Snapshots to delete, oldest session first.</summary>
    public IEnumerable<BtrfsSnapshot> ToRemove => Sessions.Where(s => !s.Keep).Reverse().SelectMany(s => s.Snapshots);
}

/// <summary>
/// Decides retention by session, not by snapshot: the snapshots of one session (all its subvolumes and
/// phases) stay or go together, and a session's age is that of its newest snapshot.
/// </summary>
public static class RetentionPlanner
{
    public static RetentionPlan Plan(IEnumerable<BtrfsSnapshot> snapshots, RetentionPolicy policy, DateTime nowUtc)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        ArgumentNullException.ThrowIfNull(policy);
        policy.Validate();
        DateTime? cutoff = policy.MaxAgeDays is { } days ? nowUtc.ToUniversalTime().AddDays(-days) : null;
        var sessions = snapshots
            .GroupBy(s => s.SessionId, StringComparer.Ordinal)
            .Select(g => (Id: g.Key, Newest: g.Max(s => s.Timestamp), Snapshots: g.OrderByDescending(s => s.Timestamp).ThenBy(s => s.Path, StringComparer.Ordinal).ToArray()))
            .OrderByDescending(g => g.Newest)
            .ThenBy(g => g.Id, StringComparer.Ordinal)
            .ToList();

        var decisions = new List<RetentionDecision>(sessions.Count);
        for (int i = 0; i < sessions.Count; i++)
        {
            var (id, newest, members) = sessions[i];
            int rank = i + 1;
            (bool keep, string reason) = rank <= policy.KeepRecent
                ? (true, $"one of the {policy.KeepRecent} newest sessions")
                : cutoff is null
                    ? (false, $"older than the {policy.KeepRecent} newest sessions")
                    : newest < cutoff
                        ? (false, $"beyond the {policy.KeepRecent} newest sessions and its newest snapshot is older than {policy.MaxAgeDays} days")
                        : (true, $"newer than {policy.MaxAgeDays} days");
            decisions.Add(new RetentionDecision(id, newest, rank, keep, reason, members));
        }

        return new RetentionPlan(decisions);
    }
}
