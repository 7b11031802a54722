using DiskTools.Engine.Reconciliation;
using DiskTools.Engine.Storage;

namespace DiskTools.Commands.Inventory;

/// <summary>Shows where each root's inventory stands: file count, watcher liveness, last and next pass.</summary>
[Cmdlet(VerbsCommon.Get, "ReconciliationStatus")]
[OutputType(typeof(ReconciliationStatus))]
public sealed class GetReconciliationStatusCommand : InventoryQueryCommandBase
{
    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
        => ForEachRootAsync(async (database, root) => WriteAll(await InventoryQueries.GetStatusAsync(database, root, cancellationToken).ConfigureAwait(false)));
}
