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

/// <summary>What a running sync session protects from its own retention.</summary>
/// <param name="RunningSessionId">The session applying retention: its snapshots are never removed.</param>
/// <param name="SessionStartedUtc">When it began (this machine's clock): nothing created since is removed.</param>
public sealed record RetentionGuard(string? RunningSessionId = null, DateTime? SessionStartedUtc = null);

/// <summary>One snapshot retention keeps although its session's turn to go has come, and why.</summary>
public sealed record ProtectedSnapshot(BtrfsSnapshot Snapshot, string Reason);

/// <summary>The verdict on one session.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="Newest">Creation time (btrfs otime) of its newest snapshot: a session's age.</param>
/// <param name="Rank">1 for the newest session.</param>
/// <param name="Keep">True when the policy keeps its snapshots.</param>
/// <param name="Reason">Why, in words.</param>
/// <param name="Snapshots">Its snapshots, newest first.</param>
public sealed record RetentionDecision(string SessionId, DateTime Newest, int Rank, bool Keep, string Reason, IReadOnlyList<BtrfsSnapshot> Snapshots)
{
    /// <summary>Snapshots of a session that goes which stay all the same (see <see cref="RetentionPlanner"/>).</summary>
    public IReadOnlyList<ProtectedSnapshot> Protected { get; init; } = [];

    /// <summary>What is deleted of this session: nothing when it is kept, else its snapshots less the protected ones.</summary>
    public IEnumerable<BtrfsSnapshot> ToRemove => Keep ? [] : Snapshots.Where(s => Protected.All(p => !ReferenceEquals(p.Snapshot, s)));
}

/// <summary>What retention would keep and remove.</summary>
/// <param name="Sessions">Every ranked session, newest first.</param>
/// <param name="Untouched">Snapshots retention never considers: manual ones, and any whose creation time btrfs does not record.</param>
/// <param name="Notices">Things the user should know, such as a name dated in the future.</param>
public sealed record RetentionPlan(IReadOnlyList<RetentionDecision> Sessions, IReadOnlyList<ProtectedSnapshot> Untouched, IReadOnlyList<string> Notices)
{
    public RetentionPlan(IReadOnlyList<RetentionDecision> sessions)
        : this(sessions, [], [])
    {
    }

    public IEnumerable<BtrfsSnapshot> ToKeep => Sessions.SelectMany(s => s.Snapshots).Except(ToRemove).Concat(Untouched.Select(u => u.Snapshot));

    /// <summary>Snapshots to delete, oldest session first.</summary>
    public IEnumerable<BtrfsSnapshot> ToRemove => Sessions.Where(s => !s.Keep).Reverse().SelectMany(s => s.ToRemove);
}

/// <summary>
/// The one retention rule, used by session retention and by Remove-BtrfsSnapshot -KeepRecent alike.
/// Retention works by session: the snapshots of one session (all its subvolumes and phases) share its
/// verdict, and a session's age is the creation time btrfs recorded (otime) for its newest snapshot —
/// never the date in a name, which anyone can write: a name dated in the future is reported and ranked by
/// its otime like any other. Never removed, whatever the policy says:
/// <list type="bullet">
/// <item>manual snapshots (phase Manual): they are the user's own; only naming them deletes them;</item>
/// <item>a snapshot whose creation time btrfs does not record (it cannot be ranked);</item>
/// <item>the newest pre-sync snapshot of each subvolume, the state a bad sync is undone to;</item>
/// <item>in a running session: its own snapshots, and anything created since it began (by this machine's
/// clock, or on the host's own clock since the session's first snapshot there).</item>
/// </list>
/// </summary>
public static class RetentionPlanner
{
    /// <summary>How far a name's date may be ahead of now before it counts as dated in the future.</summary>
    public static readonly TimeSpan FutureTolerance = TimeSpan.FromMinutes(5);

    public static RetentionPlan Plan(IEnumerable<BtrfsSnapshot> snapshots, RetentionPolicy policy, DateTime nowUtc, RetentionGuard? guard = null)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        ArgumentNullException.ThrowIfNull(policy);
        policy.Validate();
        guard ??= new RetentionGuard();
        DateTime now = nowUtc.ToUniversalTime();
        BtrfsSnapshot[] all = [.. snapshots];
        var notices = new List<string>();
        foreach (BtrfsSnapshot future in all.Where(s => s.Timestamp > now + FutureTolerance).OrderBy(s => s.Path, StringComparer.Ordinal))
        {
            notices.Add($"{future.Host}:{future.Path} is named as taken at {Format(future.Timestamp)}, which is in the future; "
                + (future.CreatedAt is { } otime ? $"btrfs created it at {Format(otime)}, and retention ranks it by that." : "btrfs records no creation time for it, so retention leaves it alone."));
        }

        var untouched = new List<ProtectedSnapshot>();
        foreach (BtrfsSnapshot snapshot in all)
        {
            if (snapshot.Phase == SnapshotPhase.Manual)
            {
                untouched.Add(new ProtectedSnapshot(snapshot, "a manual snapshot: retention never removes one, only naming it does"));
            }
            else if (snapshot.CreatedAt is null)
            {
                untouched.Add(new ProtectedSnapshot(snapshot, "btrfs records no creation time for it, so it cannot be ranked"));
                notices.Add($"{snapshot.Host}:{snapshot.Path} has no creation time recorded by btrfs (not a snapshot?); retention leaves it alone.");
            }
        }

        BtrfsSnapshot[] ranked = [.. all.Where(s => s.Phase != SnapshotPhase.Manual && s.CreatedAt is not null)];
        Dictionary<BtrfsSnapshot, string> protectedReasons = Protections(ranked, guard);

        DateTime? cutoff = policy.MaxAgeDays is { } days ? now.AddDays(-days) : null;
        var sessions = ranked
            .GroupBy(s => s.SessionId, StringComparer.Ordinal)
            .Select(g => (Id: g.Key, Newest: g.Max(s => s.CreatedAt!.Value), Snapshots: g.OrderByDescending(s => s.CreatedAt).ThenBy(s => s.Path, StringComparer.Ordinal).ToArray()))
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
            ProtectedSnapshot[] kept = keep ? [] : [.. members.Where(protectedReasons.ContainsKey).Select(s => new ProtectedSnapshot(s, protectedReasons[s]))];
            decisions.Add(new RetentionDecision(id, newest, rank, keep, reason, members) { Protected = kept });
        }

        return new RetentionPlan(decisions, untouched, notices);
    }

    private static Dictionary<BtrfsSnapshot, string> Protections(IReadOnlyList<BtrfsSnapshot> ranked, RetentionGuard guard)
    {
        var reasons = new Dictionary<BtrfsSnapshot, string>(ReferenceEqualityComparer.Instance);
        void Protect(BtrfsSnapshot snapshot, string reason) => reasons.TryAdd(snapshot, reason);

        // Ties (btrfs records seconds) break as sessions rank: by session id.
        foreach (BtrfsSnapshot newestPre in ranked.Where(s => s.Phase == SnapshotPhase.PreSync)
                     .GroupBy(s => (s.Host, s.Subvolume))
                     .Select(g => g.OrderByDescending(s => s.CreatedAt).ThenBy(s => s.SessionId, StringComparer.Ordinal).First()))
        {
            Protect(newestPre, $"the newest pre-sync snapshot of {newestPre.Subvolume}");
        }

        if (guard.RunningSessionId is { } running)
        {
            BtrfsSnapshot[] own = [.. ranked.Where(s => string.Equals(s.SessionId, running, StringComparison.OrdinalIgnoreCase))];
            foreach (BtrfsSnapshot snapshot in own)
            {
                Protect(snapshot, "a snapshot of the running session");
            }

            // The host's own clock: whatever it created after this session's first snapshot there is newer than the session.
            foreach (IGrouping<string, BtrfsSnapshot> host in own.GroupBy(s => s.Host, StringComparer.Ordinal))
            {
                DateTime first = host.Min(s => s.CreatedAt!.Value);
                foreach (BtrfsSnapshot later in ranked.Where(s => s.Host == host.Key && s.CreatedAt >= first))
                {
                    Protect(later, "created after the running session began");
                }
            }
        }

        if (guard.SessionStartedUtc is { } started)
        {
            foreach (BtrfsSnapshot later in ranked.Where(s => s.CreatedAt >= started.ToUniversalTime()))
            {
                Protect(later, "created after the running session began");
            }
        }

        return reasons;
    }

    private static string Format(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
