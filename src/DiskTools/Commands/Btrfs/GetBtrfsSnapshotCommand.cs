using DiskTools.Engine.Btrfs;

namespace DiskTools.Commands.Btrfs;

/// <summary>Lists the snapshots whose names follow the DiskTools pattern, newest first.</summary>
[Cmdlet(VerbsCommon.Get, "BtrfsSnapshot")]
[OutputType(typeof(BtrfsSnapshot))]
public sealed class GetBtrfsSnapshotCommand : BtrfsCmdletBase
{
    /// <summary>Only snapshots of these subvolumes (wildcards allowed).</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(BtrfsSubvolumeCompleter))]
    public string[]? Subvolume { get; set; }

    /// <summary>Only snapshots of this session.</summary>
    [Parameter]
    [ValidatePattern("^[0-9a-fA-F]{8}$")]
    public string? SessionId { get; set; }

    /// <summary>Only snapshots of this phase.</summary>
    [Parameter]
    public SnapshotPhase? Phase { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        BtrfsSnapshotService service = await GetServiceAsync(ComputerName, null, cancellationToken).ConfigureAwait(false);
        var filter = new SnapshotFilter(SessionId: SessionId?.ToLowerInvariant(), Phase: Phase);
        WildcardPattern[] patterns = (Subvolume ?? []).Select(p => WildcardPattern.Get(p, WildcardOptions.None)).ToArray();
        IOutputWriter output = this;
        foreach (BtrfsSnapshot snapshot in await service.ListAsync(filter, cancellationToken).ConfigureAwait(false))
        {
            if (patterns.Length == 0 || patterns.Any(p => p.IsMatch(snapshot.Subvolume)))
            {
                output.WriteObject(snapshot);
            }
        }
    }
}
