namespace DiskTools.Engine.Btrfs;

/// <summary>What retention tells its caller while it works on one host, and what it asks.</summary>
public interface IRetentionObserver
{
    /// <summary>Whether this snapshot of a session whose turn has come may go (a confirmation, -WhatIf).</summary>
    bool ShouldRemove(BtrfsSnapshot snapshot, RetentionDecision session) => true;

    /// <summary>A snapshot of a departing session stays all the same (<see cref="ProtectedSnapshot.Reason"/> says why).</summary>
    void Kept(ProtectedSnapshot kept, RetentionDecision session);

    void Removed(BtrfsSnapshot snapshot, RetentionDecision session);

    /// <summary>A removal failed; return true to go on with the next snapshot, false to let the error end retention.</summary>
    bool Failed(BtrfsSnapshot snapshot, RetentionDecision session, DiskToolsException error);
}

/// <summary>How retention on one host ended.</summary>
/// <param name="Plan">What it decided.</param>
/// <param name="Removed">Snapshots deleted.</param>
/// <param name="Failed">Snapshots whose deletion failed.</param>
public sealed record RetentionOutcome(RetentionPlan Plan, int Removed, int Failed);

/// <summary>
/// Retention on one host, the one way both sync sessions and Remove-BtrfsSnapshot -KeepRecent apply it: the
/// listing is read afresh (what is there now, not what was seen earlier), narrowed to the subvolumes asked
/// for, ranked by <see cref="RetentionPlanner"/>, and only what the plan gives up is deleted, oldest session
/// first, each deletion through <see cref="BtrfsSnapshotService.RemoveAsync"/> (which refuses any name not
/// of the DiskTools pattern or outside the snapshot directory). A listing that fails throws before anything
/// is deleted; it never turns into an empty plan.
/// </summary>
public static class SnapshotRetention
{
    /// <summary>Reads the host's snapshots afresh and decides; nothing is deleted.</summary>
    /// <param name="service">The host and snapshot directory.</param>
    /// <param name="includesSubvolume">Which subvolumes' snapshots retention may consider; null: all of them.</param>
    /// <param name="policy">How many sessions to keep.</param>
    /// <param name="guard">What a running session protects; null outside a session.</param>
    /// <param name="cancellationToken">Stops the listing.</param>
    public static async Task<RetentionPlan> PlanAsync(
        BtrfsSnapshotService service, Func<string, bool>? includesSubvolume, RetentionPolicy policy, RetentionGuard? guard, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        policy.Validate();
        await service.RefreshAsync(cancellationToken).ConfigureAwait(false);
        IReadOnlyList<BtrfsSnapshot> existing = await service.ListAsync(null, cancellationToken).ConfigureAwait(false);
        return RetentionPlanner.Plan(existing.Where(s => includesSubvolume is null || includesSubvolume(s.Subvolume)), policy, DateTime.UtcNow, guard);
    }

    /// <summary>Deletes what <paramref name="plan"/> gives up, oldest session first, telling <paramref name="observer"/> each step.</summary>
    public static async Task<RetentionOutcome> ApplyAsync(BtrfsSnapshotService service, RetentionPlan plan, IRetentionObserver observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(observer);
        int removed = 0, failed = 0;
        foreach (RetentionDecision session in plan.Sessions.Where(s => !s.Keep).Reverse())
        {
            foreach (ProtectedSnapshot kept in session.Protected)
            {
                observer.Kept(kept, session);
            }

            foreach (BtrfsSnapshot doomed in session.ToRemove)
            {
                if (!observer.ShouldRemove(doomed, session))
                {
                    continue;
                }

                try
                {
                    await service.RemoveAsync(doomed, cancellationToken).ConfigureAwait(false);
                }
                catch (DiskToolsException e)
                {
                    if (!observer.Failed(doomed, session, e))
                    {
                        throw;
                    }

                    failed++;
                    continue;
                }

                removed++;
                observer.Removed(doomed, session);
            }
        }

        return new RetentionOutcome(plan, removed, failed);
    }
}
