using DiskTools.Engine.Btrfs;

namespace DiskTools.Commands.Btrfs;

/// <summary>Creates read-only snapshots of top-level btrfs subvolumes, locally or over SSH.</summary>
[Cmdlet(VerbsCommon.New, "BtrfsSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(BtrfsSnapshot))]
public sealed class NewBtrfsSnapshotCommand : BtrfsCmdletBase
{
    private string sessionId = string.Empty;

    /// <summary>Flat top-level subvolume names as btrfs subvolume list shows them, e.g. @ and @home.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(BtrfsSubvolumeCompleter))]
    public string[] Subvolume { get; set; } = [];

    /// <summary>Why the snapshot is taken; part of its name.</summary>
    [Parameter]
    public SnapshotPhase Phase { get; set; } = SnapshotPhase.Manual;

    /// <summary>8 hex digits grouping the snapshots of one session; a new one is generated when omitted (one per invocation).</summary>
    [Parameter]
    [ValidatePattern("^[0-9a-fA-F]{8}$")]
    public string? SessionId { get; set; }

    protected override Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        sessionId = SessionId is null ? SnapshotName.NewSessionId() : SnapshotName.NormalizeSessionId(SessionId);
        return Task.CompletedTask;
    }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        BtrfsSnapshotService service = await GetServiceAsync(ComputerName, null, cancellationToken).ConfigureAwait(false);
        IOutputWriter output = this;
        foreach (string subvolume in Subvolume)
        {
            try
            {
                // Fix the time first so the confirmed name is exactly the one created.
                var request = new SnapshotRequest(subvolume, Phase, sessionId, DateTime.UtcNow);
                PlannedSnapshot plan = await service.PlanCreateAsync(request, cancellationToken).ConfigureAwait(false);
                if (!output.ShouldProcess($"{plan.Host}:{plan.Path}", $"Create read-only snapshot of subvolume '{subvolume}' ({plan.SourcePath})"))
                {
                    continue;
                }

                output.WriteObject(await service.CreateAsync(request, cancellationToken).ConfigureAwait(false));
            }
            catch (DiskToolsException e) when (!IsHostWide(e))
            {
                output.WriteError(e.ToError());
            }
        }
    }
}
