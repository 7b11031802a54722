using System.Management.Automation;
using DiskTools.Engine.Output;
using DiskTools.Engine.Reconciliation;
using DiskTools.Engine.Storage;

namespace DiskTools.Commands.Inventory;

/// <summary>Lists the files recorded in the inventory.</summary>
[Cmdlet(VerbsCommon.Get, "FileRecord")]
[OutputType(typeof(FileRecord))]
public sealed class GetFileRecordCommand : InventoryCommandBase
{
    /// <summary>Repository roots; all repositories when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("RootPath")]
    [ValidateNotNullOrEmpty]
    public string[]? Path { get; set; }

    /// <summary>A glob over the relative path ('*.jpg', 'Photos/**/2024/*').</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Filter { get; set; }

    /// <summary>Only files with this SHA-256 (duplicates of a file, say).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Hash { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        IOutputWriter output = this;
        var database = OpenDatabase();
        foreach (string? given in (string?[]?)Path ?? [null])
        {
            try
            {
                string? root = given is null ? null : ResolveRoot(given);
                await InventoryQueries.GetFileRecordsAsync(database, root, Filter, Hash, output.WriteObject, cancellationToken).ConfigureAwait(false);
            }
            catch (DiskToolsException e) when (IsRootError(e))
            {
                output.WriteError(e.ToError());
            }
        }
    }
}
