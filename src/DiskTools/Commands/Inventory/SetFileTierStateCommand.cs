using DiskTools.Engine.Reconciliation;
using DiskTools.Engine.Storage;

namespace DiskTools.Commands.Inventory;

/// <summary>Sets the tiering state of inventory records: from Get-FileRecord, or by root and relative path.</summary>
[Cmdlet(VerbsCommon.Set, "FileTierState", DefaultParameterSetName = RecordSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(FileRecord))]
public sealed class SetFileTierStateCommand : InventoryCommandBase
{
    private const string RecordSet = "Record";
    private const string PathSet = "Path";
    private readonly List<long> ids = [];

    /// <summary>Records from Get-FileRecord.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = RecordSet)]
    [ValidateNotNull]
    public FileRecord[] InputObject { get; set; } = [];

    /// <summary>The root the relative paths are under.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [Alias("RootPath")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>Paths relative to the root, exactly as recorded (no wildcards).</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string[] FilePath { get; set; } = [];

    /// <summary>The state to set.</summary>
    [Parameter(Mandatory = true)]
    public FileTierState State { get; set; }

    /// <summary>Write the records as they are after the change.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        IOutputWriter output = this;
        string state = TierStateStore.ToText(State);
        if (ParameterSetName == RecordSet)
        {
            foreach (FileRecord record in InputObject)
            {
                if (output.ShouldProcess(record.FullPath, $"Set tier state '{state}' (now '{record.TierState}')"))
                {
                    ids.Add(record.Id);
                }
            }

            return;
        }

        InventoryDatabase database = OpenDatabase();
        string root = ResolveRoot(Path);
        foreach (var (id, path) in await TierStateStore.FindAsync(database, root, FilePath, output, cancellationToken).ConfigureAwait(false))
        {
            if (output.ShouldProcess(root.TrimEnd('/') + "/" + path, $"Set tier state '{state}'"))
            {
                ids.Add(id);
            }
        }
    }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return;
        }

        IOutputWriter output = this;
        IReadOnlyList<FileRecord> records = await TierStateStore.SetAsync(OpenDatabase(), ids, State, output, cancellationToken).ConfigureAwait(false);
        output.WriteVerbose($"Set the tier state of {records.Count:N0} record(s) to '{TierStateStore.ToText(State)}'.");
        if (PassThru)
        {
            foreach (FileRecord record in records)
            {
                output.WriteObject(record);
            }
        }
    }
}
