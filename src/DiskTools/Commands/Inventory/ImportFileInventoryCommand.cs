using DiskTools.Engine.InventoryImport;

namespace DiskTools.Commands.Inventory;

/// <summary>Loads a baseline inventory (CSV or Parquet: path, size, modified, accessed) into the PostgreSQL inventory of a root.</summary>
[Cmdlet(VerbsData.Import, "FileInventory", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(InventoryImportResult))]
public sealed class ImportFileInventoryCommand : InventoryPathCommandBase
{
    /// <summary>The root the inventory's paths are relative to (registered as a root on first use).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Root { get; set; } = string.Empty;

    /// <summary>Csv or Parquet; by default Parquet files are recognised by their signature, anything else is CSV.</summary>
    [Parameter]
    public InventoryFileFormat Format { get; set; } = InventoryFileFormat.Auto;

    /// <summary>The CSV's encoding when it is not UTF-8 (e.g. Latin1, 'windows-1252'); by default rows that are not valid UTF-8 are reported and skipped.</summary>
    [Parameter]
    [EncodingArgument]
    [ArgumentCompletions("utf8", "latin1", "windows-1252", "utf-16", "ascii")]
    public System.Text.Encoding? Encoding { get; set; }

    /// <summary>Bad rows reported one by one; the rest are counted in a warning.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int MaxErrorCount { get; set; } = 100;

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        string root = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Root);
        IOutputWriter output = this;
        foreach (string file in ResolvePaths())
        {
            if (!File.Exists(file))
            {
                // A -LiteralPath is not checked when it is resolved: a name that is not there is not found, a
                // directory is the wrong kind of argument.
                output.WriteError(Directory.Exists(file)
                    ? new OperationError(ErrorIds.InventoryImportSourceInvalid, ErrorKind.InvalidArgument, file, $"'{file}' is not a file.")
                    : new OperationError(ErrorIds.PathNotFound, ErrorKind.ObjectNotFound, file, $"Cannot find path '{file}' because it does not exist."));
                continue;
            }

            if (!output.ShouldProcess(root, $"Import the baseline inventory '{file}' into"))
            {
                continue;
            }

            output.WriteObject(await InventoryImporter.ImportAsync(OpenDatabase(), file, root, Format, Encoding, MaxErrorCount, this, cancellationToken).ConfigureAwait(false));
        }
    }
}
