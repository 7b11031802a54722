using System.Management.Automation;
using DiskTools.Engine.Output;
using DiskTools.Engine.Reconciliation;
using DiskTools.Engine.Storage;

namespace DiskTools.Commands.Inventory;

/// <summary>Shows where each repository's inventory stands: file count, watcher liveness, last and next pass.</summary>
[Cmdlet(VerbsCommon.Get, "ReconciliationStatus")]
[OutputType(typeof(ReconciliationStatus))]
public sealed class GetReconciliationStatusCommand : InventoryCommandBase
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("RootPath")]
    [ValidateNotNullOrEmpty]
    public string[]? Path { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        IOutputWriter output = this;
        var database = OpenDatabase();
        foreach (string? given in (string?[]?)Path ?? [null])
        {
            try
            {
                string? root = given is null ? null : ResolveRoot(given);
                foreach (ReconciliationStatus status in await InventoryQueries.GetStatusAsync(database, root, cancellationToken).ConfigureAwait(false))
                {
                    output.WriteObject(status);
                }
            }
            catch (DiskToolsException e) when (IsRootError(e))
            {
                output.WriteError(e.ToError());
            }
        }
    }
}
