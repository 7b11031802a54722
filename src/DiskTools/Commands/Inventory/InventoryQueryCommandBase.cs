using DiskTools.Engine.Storage;

namespace DiskTools.Commands.Inventory;

/// <summary>
/// An inventory cmdlet that reads what is recorded for some roots, or for every root when -Path is omitted.
/// A root is used as typed: one that no longer exists on disk can still be queried.
/// </summary>
public abstract class InventoryQueryCommandBase : InventoryCommandBase
{
    /// <summary>Registered roots; every root when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("RootPath", "Root")]
    [ValidateNotNullOrEmpty]
    public string[]? Path { get; set; }

    /// <summary>
    /// Runs <paramref name="query"/> once per root given (absolute), or once with null for every root. An error
    /// about one root is reported and the others are still queried; database trouble ends the command.
    /// </summary>
    protected async Task ForEachRootAsync(Func<InventoryDatabase, string?, Task> query)
    {
        InventoryDatabase database = OpenDatabase();
        foreach (string? given in (string?[]?)Path ?? [null])
        {
            try
            {
                await query(database, given is null ? null : ResolveRoot(given)).ConfigureAwait(false);
            }
            catch (DiskToolsException e) when (IsRootError(e))
            {
                ((IOutputWriter)this).WriteError(e.ToError());
            }
        }
    }

    /// <summary>Writes every object of a query's result.</summary>
    protected void WriteAll<T>(IEnumerable<T> results)
    {
        IOutputWriter output = this;
        foreach (T result in results)
        {
            output.WriteObject(result!);
        }
    }
}
