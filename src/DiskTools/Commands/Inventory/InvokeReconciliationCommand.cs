using DiskTools.Engine.Reconciliation;
using DiskTools.Engine.Reconciliation.Watch;
using DiskTools.Engine.Storage;

namespace DiskTools.Commands.Inventory;

/// <summary>Brings the PostgreSQL inventory of a directory tree in line with the tree; with -Watch, keeps it there.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "Reconciliation", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(ReconciliationOperation))]
public sealed class InvokeReconciliationCommand : InventoryPathCommandBase
{
    private readonly List<string> roots = [];

    /// <summary>Record size and times only; do not hash content.</summary>
    [Parameter]
    public SwitchParameter NoHash { get; set; }

    [Parameter]
    [ValidateRange(1, 256)]
    public int MaxConcurrency { get; set; } = Math.Max(1, Environment.ProcessorCount);

    [Parameter]
    [ValidateRange(1, 100_000)]
    public int BatchSize { get; set; } = 1000;

    [Parameter]
    [ValidateNotNull]
    public string[] Exclude { get; set; } = [];

    /// <summary>After the first pass, keep the inventory current until stopped.</summary>
    [Parameter]
    public SwitchParameter Watch { get; set; }

    [Parameter]
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromHours(24);

    [Parameter]
    public TimeSpan DebounceInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Wait for another pass over the same root to finish instead of failing.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>Reconcile even a root on another file system than last time, found empty, or losing more than -MaxRemovalPercent.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>A pass that would remove more than this share of a root's records stops before removing any (unless -Force).</summary>
    [Parameter]
    [ValidateRange(0.0, 100.0)]
    public double MaxRemovalPercent { get; set; } = ReconciliationOptions.DefaultMaxRemovalPercent;

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        // A plain path to a root that is missing now (an unmounted disk) still goes to the pass, which says
        // what became of the root and records that; wildcards only ever match what exists.
        roots.AddRange(ResolvePaths(keepMissing: true));
        return Task.CompletedTask;
    }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        if (ReconcileInterval <= TimeSpan.Zero || DebounceInterval < TimeSpan.Zero)
        {
            RefuseIntervals("-ReconcileInterval must be positive and -DebounceInterval not negative.");
        }

        IOutputWriter output = this;
        List<string> approved = Approve(roots, Watch ? "Reconcile and watch the inventory of" : "Reconcile the inventory of");
        if (approved.Count == 0)
        {
            return;
        }

        InventoryDatabase database = OpenDatabase();
        var options = new ReconciliationOptions
        {
            Hash = !NoHash,
            MaxConcurrency = MaxConcurrency,
            BatchSize = BatchSize,
            Exclude = Exclude,
            Wait = Wait,
            Force = Force,
            MaxRemovalPercent = MaxRemovalPercent,
            ReconcileInterval = ReconcileInterval,
            DebounceInterval = DebounceInterval,
        };
        _ = new IgnoreRules(Exclude); // bad globs fail here, once, before any pass starts

        if (Watch)
        {
            // A watch is often a service: SIGTERM and SIGHUP cancel this token as Ctrl+C does (every cmdlet
            // enlists in TerminationSignals), so the watches close their operations and heartbeats first.
            await Task.WhenAll(approved.Select(root => WatchOne(database, root, options, cancellationToken))).ConfigureAwait(false);
            return;
        }

        foreach (string root in approved)
        {
            try
            {
                output.WriteObject(await Reconciler.RunPassAsync(database, root, options, this, cancellationToken).ConfigureAwait(false));
            }
            catch (DiskToolsException e) when ((approved.Count > 1 || e.ErrorId == ErrorIds.ReconciliationRootNotDirectory)
                                              && e.ErrorId != ErrorIds.InventorySchemaTooNew && e.ErrorId != ErrorIds.InventoryConnectionMissing
                                              && !DatabaseErrors.IsDatabaseError(e))
            {
                output.WriteError(e.ToError());
            }
        }
    }

    private async Task WatchOne(InventoryDatabase database, string root, ReconciliationOptions options, CancellationToken cancellationToken)
    {
        try
        {
            await WatchSession.RunAsync(database, root, options, this, cancellationToken).ConfigureAwait(false);
        }
        catch (DiskToolsException e) when (!cancellationToken.IsCancellationRequested)
        {
            ((IOutputWriter)this).WriteError(e.ToError());
        }
    }
}
