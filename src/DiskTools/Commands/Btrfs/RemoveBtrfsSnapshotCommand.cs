using DiskTools.Engine.Btrfs;

namespace DiskTools.Commands.Btrfs;

/// <summary>
/// Deletes snapshots piped from Get-BtrfsSnapshot, or applies session-based retention. Only names that
/// follow the DiskTools pattern are ever deleted; -WhatIf lists exactly what would go.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "BtrfsSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = InputSet)]
public sealed class RemoveBtrfsSnapshotCommand : BtrfsCmdletBase
{
    private const string InputSet = "InputObject";
    private const string RetentionSet = "Retention";

    /// <summary>Snapshots to delete, as Get-BtrfsSnapshot writes them.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = InputSet)]
    public BtrfsSnapshot[] InputObject { get; set; } = [];

    /// <summary>The newest sessions always kept (at least 1).</summary>
    [Parameter(Mandatory = true, ParameterSetName = RetentionSet)]
    [ValidateRange(1, int.MaxValue)]
    public int KeepRecent { get; set; }

    /// <summary>Sessions beyond KeepRecent are deleted only when their newest snapshot is older than this many days.</summary>
    [Parameter(ParameterSetName = RetentionSet)]
    [ValidateRange(0, int.MaxValue)]
    public int MaxAgeDays { get; set; }

    /// <summary>Apply retention only to snapshots of these subvolumes (wildcards allowed).</summary>
    [Parameter(ParameterSetName = RetentionSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(BtrfsSubvolumeCompleter))]
    public string[]? Subvolume { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        if (ParameterSetName == RetentionSet)
        {
            await ApplyRetentionAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        foreach (BtrfsSnapshot snapshot in InputObject)
        {
            // A piped snapshot names its own host and directory; -ComputerName binds from its ComputerName.
            string? computerName = string.IsNullOrEmpty(ComputerName) ? snapshot.ComputerName : ComputerName;
            string directory = MyInvocation.BoundParameters.ContainsKey(nameof(SnapshotDirectory))
                ? SnapshotDirectory
                : Path.GetDirectoryName(snapshot.Path) ?? SnapshotDirectory;
            BtrfsSnapshotService service = await GetServiceAsync(computerName, directory, cancellationToken).ConfigureAwait(false);
            await RemoveOneAsync(service, snapshot, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ApplyRetentionAsync(CancellationToken cancellationToken)
    {
        BtrfsSnapshotService service = await GetServiceAsync(ComputerName, null, cancellationToken).ConfigureAwait(false);
        WildcardPattern[] patterns = (Subvolume ?? []).Select(p => WildcardPattern.Get(p, WildcardOptions.None)).ToArray();
        Func<string, bool>? selected = patterns.Length == 0 ? null : subvolume => patterns.Any(p => p.IsMatch(subvolume));
        int? maxAge = MyInvocation.BoundParameters.ContainsKey(nameof(MaxAgeDays)) ? MaxAgeDays : null;
        RetentionPlan plan = await SnapshotRetention.PlanAsync(service, selected, new RetentionPolicy(KeepRecent, maxAge), guard: null, cancellationToken).ConfigureAwait(false);
        IOutputWriter output = this;
        foreach (string notice in plan.Notices)
        {
            output.WriteWarning(notice);
        }

        foreach (RetentionDecision session in plan.Sessions)
        {
            output.WriteVerbose($"Session {session.SessionId} (newest created {session.Newest:u}, {session.Snapshots.Count} snapshot(s)): {(session.Keep ? "keep" : "remove")} — {session.Reason}.");
            foreach (ProtectedSnapshot kept in session.Protected)
            {
                output.WriteVerbose($"Keeping {kept.Snapshot.Path} of session {session.SessionId}: {kept.Reason}.");
            }
        }

        foreach (ProtectedSnapshot kept in plan.Untouched)
        {
            output.WriteVerbose($"Leaving {kept.Snapshot.Path}: {kept.Reason}.");
        }

        await SnapshotRetention.ApplyAsync(service, plan, new Confirmed(output), cancellationToken).ConfigureAwait(false);
    }

    private async Task RemoveOneAsync(BtrfsSnapshotService service, BtrfsSnapshot snapshot, CancellationToken cancellationToken)
    {
        IOutputWriter output = this;
        if (!output.ShouldProcess(Target(snapshot), "Delete btrfs snapshot"))
        {
            return;
        }

        try
        {
            await service.RemoveAsync(snapshot, cancellationToken).ConfigureAwait(false);
        }
        catch (DiskToolsException e) when (!IsHostWide(e))
        {
            output.WriteError(e.ToError());
        }
    }

    private static string Target(BtrfsSnapshot snapshot) => $"{snapshot.Host}:{snapshot.Path}";

    /// <summary>
    /// Retention's deletions, each confirmed (-WhatIf, -Confirm) and each failure a non-terminating error, except
    /// one that no other deletion on the host could survive. The plan was shown as verbose output already.
    /// </summary>
    private sealed class Confirmed(IOutputWriter output) : IRetentionObserver
    {
        public bool ShouldRemove(BtrfsSnapshot snapshot, RetentionDecision session)
            => output.ShouldProcess(Target(snapshot), $"Delete btrfs snapshot (session {snapshot.SessionId}: {session.Reason})");

        public void Kept(ProtectedSnapshot kept, RetentionDecision session)
        {
        }

        public void Removed(BtrfsSnapshot snapshot, RetentionDecision session)
        {
        }

        public bool Failed(BtrfsSnapshot snapshot, RetentionDecision session, DiskToolsException error)
        {
            if (IsHostWide(error))
            {
                return false;
            }

            output.WriteError(error.ToError());
            return true;
        }
    }
}
