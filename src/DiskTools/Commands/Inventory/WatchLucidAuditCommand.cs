using DiskTools.Engine.LucidAudit;
using DiskTools.Engine.Storage;

namespace DiskTools.Commands.Inventory;

/// <summary>
/// Keeps the inventory's last-accessed times current from a LucidLink filespace's audit trail: one pass with
/// -Once, otherwise a pass every -PollInterval until stopped.
/// </summary>
[Cmdlet(VerbsCommon.Watch, "LucidAudit", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(AuditIngestResult), typeof(WarmingEvent))]
public sealed class WatchLucidAuditCommand : InventoryPathCommandBase
{
    private readonly List<string> roots = [];

    /// <summary>The tenant that owns the filespace.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Tenant { get; set; } = AuditIngestOptions.DefaultTenant;

    [Parameter]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>One pass, then return.</summary>
    [Parameter]
    public SwitchParameter Once { get; set; }

    [Parameter]
    public TimeSpan MaxFutureSkew { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Events dated more than this before the beginning of their log are rejected.</summary>
    [Parameter]
    public TimeSpan MaxPastSkew { get; set; } = TimeSpan.FromDays(7);

    [Parameter]
    public TimeSpan StagingRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Audit logs read at once.</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int MaxConcurrency { get; set; } = new AuditIngestOptions().MaxConcurrency;

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        foreach (string root in ResolvePaths())
        {
            if (!Directory.Exists(root))
            {
                ((IOutputWriter)this).WriteError(new OperationError(ErrorIds.LucidAuditRootNotDirectory, ErrorKind.InvalidArgument, root,
                    $"'{root}' is not a directory; give the root of the LucidLink filespace (the folder holding .lucid_audit)."));
                continue;
            }

            roots.Add(root);
        }

        return Task.CompletedTask;
    }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        if (PollInterval <= TimeSpan.Zero || MaxFutureSkew < TimeSpan.Zero || MaxPastSkew < TimeSpan.Zero || StagingRetention < TimeSpan.Zero)
        {
            RefuseIntervals("-PollInterval must be positive; -MaxFutureSkew, -MaxPastSkew and -StagingRetention must not be negative.");
        }

        List<string> approved = Approve(roots, "Update last-accessed times from the LucidLink audit trail of");
        if (approved.Count == 0)
        {
            return;
        }

        InventoryDatabase database = OpenDatabase();
        var options = new AuditIngestOptions
        {
            Tenant = Tenant,
            MaxFutureSkew = MaxFutureSkew,
            MaxPastSkew = MaxPastSkew,
            StagingRetention = StagingRetention,
            MaxConcurrency = MaxConcurrency,
        };
        TimeSpan? poll = Once ? null : PollInterval;
        await Task.WhenAll(approved.Select(root => RunOne(database, root, options, poll, approved.Count > 1, cancellationToken))).ConfigureAwait(false);
    }

    private async Task RunOne(InventoryDatabase database, string root, AuditIngestOptions options, TimeSpan? poll, bool several, CancellationToken cancellationToken)
    {
        try
        {
            AuditIngestor ingestor = await AuditIngestor.OpenAsync(database, root, options, this, cancellationToken).ConfigureAwait(false);
            await ingestor.WatchAsync(poll, cancellationToken).ConfigureAwait(false);
        }
        catch (DiskToolsException e) when (several && e.ErrorId != ErrorIds.InventorySchemaTooNew && e.ErrorId != ErrorIds.InventoryConnectionMissing && !DatabaseErrors.IsDatabaseError(e) && !cancellationToken.IsCancellationRequested)
        {
            // Several filespaces: one that cannot be ingested does not stop the others.
            ((IOutputWriter)this).WriteError(e.ToError());
        }
    }
}
