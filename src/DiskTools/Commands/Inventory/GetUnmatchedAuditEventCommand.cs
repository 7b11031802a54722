using System.Management.Automation;
using DiskTools.Engine.LucidAudit;
using DiskTools.Engine.Output;
using DiskTools.Engine.Storage;

namespace DiskTools.Commands.Inventory;

/// <summary>Lists the audit events Watch-LucidAudit queued because they named paths the inventory did not hold.</summary>
[Cmdlet(VerbsCommon.Get, "UnmatchedAuditEvent")]
[OutputType(typeof(UnmatchedAuditEvent))]
public sealed class GetUnmatchedAuditEventCommand : InventoryCommandBase
{
    /// <summary>Filespace roots; every root when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("RootPath", "Root")]
    [ValidateNotNullOrEmpty]
    public string[]? Path { get; set; }

    /// <summary>The newest this many events per root.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Last { get; set; } = 100;

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        IOutputWriter output = this;
        InventoryDatabase database = OpenDatabase();
        foreach (string? given in (string?[]?)Path ?? [null])
        {
            try
            {
                string? root = given is null ? null : ResolveRoot(given);
                foreach (UnmatchedAuditEvent e in await UnmatchedAuditEvents.ListAsync(database, root, Last, cancellationToken).ConfigureAwait(false))
                {
                    output.WriteObject(e);
                }
            }
            catch (DiskToolsException e) when (IsRootError(e))
            {
                output.WriteError(e.ToError());
            }
        }
    }
}
