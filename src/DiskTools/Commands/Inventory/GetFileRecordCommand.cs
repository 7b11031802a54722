using DiskTools.Engine.Reconciliation;
using DiskTools.Engine.Storage;

namespace DiskTools.Commands.Inventory;

/// <summary>Lists the files recorded in the inventory.</summary>
[Cmdlet(VerbsCommon.Get, "FileRecord")]
[OutputType(typeof(FileRecord))]
public sealed class GetFileRecordCommand : InventoryQueryCommandBase
{
    /// <summary>A glob over the relative path ('*.jpg', 'Photos/**/2024/*').</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Filter { get; set; }

    /// <summary>Only files with this SHA-256 (duplicates of a file, say).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Hash { get; set; }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
        => ForEachRootAsync((database, root) => InventoryQueries.GetFileRecordsAsync(database, root, Filter, Hash, ((IOutputWriter)this).WriteObject, cancellationToken));
}
