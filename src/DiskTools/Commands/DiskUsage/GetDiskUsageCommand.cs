using DiskTools.Engine.DiskUsage;
using DiskTools.Engine.Patterns;
using DiskTools.Engine.Traversal;

namespace DiskTools.Commands.DiskUsage;

/// <summary>
/// Measures disk usage like GNU du (allocated and apparent bytes, hard links once), as DiskUsageEntry
/// objects per directory down to -Depth, the -Top N largest entries, or one ScanSession per root.
/// </summary>
[Cmdlet(VerbsCommon.Get, "DiskUsage", DefaultParameterSetName = PathSet)]
[OutputType(typeof(DiskUsageEntry))]
[OutputType(typeof(ScanSession))]
public sealed class GetDiskUsageCommand : AsyncPSCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    private readonly List<ScanSession> sessions = [];

    [Parameter(ParameterSetName = PathSet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Path { get; set; }

    [Parameter(ParameterSetName = LiteralPathSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[]? LiteralPath { get; set; }

    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Depth { get; set; } = 1;

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Top { get; set; }

    [Parameter]
    public SwitchParameter File { get; set; }

    [Parameter]
    public SwitchParameter ApparentSize { get; set; }

    [Parameter]
    [Alias("x")]
    public SwitchParameter OneFileSystem { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Exclude { get; set; }

    [Parameter]
    [Alias("l")]
    public SwitchParameter CountHardLinks { get; set; }

    [Parameter]
    [WalkStrategyArgument]
    public WalkStrategy Strategy { get; set; } = WalkStrategy.Parallel;

    [Parameter]
    [ValidateRange(1, 256)]
    public int ThrottleLimit { get; set; } = Environment.ProcessorCount;

    [Parameter]
    public TimeSpan Timeout { get; set; }

    [Parameter]
    public SwitchParameter AsSession { get; set; }

    [Parameter]
    public SwitchParameter VerifyParity { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SessionVariable { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        bool literal = ParameterSetName == LiteralPathSet;
        string[] requested = (literal ? LiteralPath : Path) ?? [SessionState.Path.CurrentFileSystemLocation.ProviderPath];
        List<string> roots = PathResolver.Resolve(this, requested, literal, PostError);
        IOutputWriter output = this;
        DiskUsageOptions options = BuildOptions();
        foreach (string root in roots)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var session = new ScanSession(root, Strategy);
            sessions.Add(session);
            if (SessionVariable is not null)
            {
                object value = SessionValue();
                Post(() => SessionState.PSVariable.Set(SessionVariable, value));
            }

            if (session.StrategyFallbackReason is not null)
            {
                output.WriteVerbose($"Using the Sequential strategy: {session.StrategyFallbackReason}");
            }

            try
            {
                await DiskUsageScanner.ScanAsync(session, options, output, cancellationToken).ConfigureAwait(false);
            }
            catch (WalkRootException e)
            {
                output.WriteError(e.ToError());
                continue;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            if (session.Status == ScanStatus.Aborted)
            {
                output.WriteWarning($"The scan of '{root}' was aborted ({session.AbortReason}); the results cover only what was scanned and are marked Incomplete.");
            }

            if (AsSession)
            {
                output.WriteObject(session);
                continue;
            }

            foreach (DiskUsageEntry entry in session.Entries)
            {
                output.WriteObject(entry);
            }
        }
    }

    /// <summary>
    /// Sets the session variable once more after the work: when the pipeline is stopped, the queued set
    /// above may never have run, and a stopped scan is exactly when the partial session matters.
    /// </summary>
    protected override void OnWorkEnded()
    {
        if (SessionVariable is not null && sessions.Count > 0)
        {
            SessionState.PSVariable.Set(SessionVariable, SessionValue());
        }
    }

    private object SessionValue() => sessions.Count == 1 ? sessions[0] : sessions.ToArray();

    private DiskUsageOptions BuildOptions()
    {
        return new DiskUsageOptions
        {
            Depth = Depth,
            Top = Top,
            IncludeFiles = File,
            Basis = ApparentSize ? SizeBasis.Apparent : SizeBasis.Allocated,
            OneFileSystem = OneFileSystem,
            CountHardLinks = CountHardLinks,
            Strategy = Strategy,
            ThrottleLimit = ThrottleLimit,
            Timeout = Timeout > TimeSpan.Zero ? Timeout : null,
            Exclude = new PathPatternSet(Exclude).ToWalkExclusion(),
            VerifyParity = VerifyParity,
        };
    }
}
