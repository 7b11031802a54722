using DiskTools.Engine.Reconciliation;
using DiskTools.Engine.Storage;

namespace DiskTools.Commands.Inventory;

/// <summary>Lists recorded reconciliation passes and real-time change summaries, newest first.</summary>
[Cmdlet(VerbsCommon.Get, "ReconciliationOperation")]
[Alias("Get-SyncOperation")] // its former name, kept so existing scripts still run
[OutputType(typeof(ReconciliationOperation))]
public sealed class GetReconciliationOperationCommand : InventoryQueryCommandBase
{
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Last { get; set; } = 20;

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
        => ForEachRootAsync(async (database, root) => WriteAll(await InventoryQueries.GetReconciliationOperationsAsync(database, root, Last, cancellationToken).ConfigureAwait(false)));
}
