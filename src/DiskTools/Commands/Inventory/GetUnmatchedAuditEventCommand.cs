using DiskTools.Engine.LucidAudit;
using DiskTools.Engine.Storage;

namespace DiskTools.Commands.Inventory;

/// <summary>Lists the audit events Watch-LucidAudit queued because they named paths the inventory did not hold.</summary>
[Cmdlet(VerbsCommon.Get, "UnmatchedAuditEvent")]
[OutputType(typeof(UnmatchedAuditEvent))]
public sealed class GetUnmatchedAuditEventCommand : InventoryQueryCommandBase
{
    /// <summary>The newest this many events per root.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Last { get; set; } = 100;

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
        => ForEachRootAsync(async (database, root) => WriteAll(await UnmatchedAuditEvents.ListAsync(database, root, Last, cancellationToken).ConfigureAwait(false)));
}
