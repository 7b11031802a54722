using System.Management.Automation;
using DiskTools.Engine.Output;
using DiskTools.Engine.Reconciliation;
using DiskTools.Engine.Storage;

namespace DiskTools.Commands.Inventory;

/// <summary>Lists recorded reconciliation passes and real-time change summaries, newest first.</summary>
[Cmdlet(VerbsCommon.Get, "SyncOperation")]
[OutputType(typeof(SyncOperation))]
public sealed class GetSyncOperationCommand : InventoryCommandBase
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("RootPath")]
    [ValidateNotNullOrEmpty]
    public string[]? Path { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Last { get; set; } = 20;

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        IOutputWriter output = this;
        var database = OpenDatabase();
        foreach (string? given in (string?[]?)Path ?? [null])
        {
            try
            {
                string? root = given is null ? null : ResolveRoot(given);
                foreach (SyncOperation operation in await InventoryQueries.GetSyncOperationsAsync(database, root, Last, cancellationToken).ConfigureAwait(false))
                {
                    output.WriteObject(operation);
                }
            }
            catch (DiskToolsException e) when (IsRootError(e))
            {
                output.WriteError(e.ToError());
            }
        }
    }
}
