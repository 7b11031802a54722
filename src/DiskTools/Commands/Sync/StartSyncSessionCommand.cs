using DiskTools.Commands.Remoting;
using DiskTools.Engine.Sync.Logging;
using DiskTools.Engine.Sync.Session;

namespace DiskTools.Commands.Sync;

/// <summary>
/// Syncs this machine (the source) to a target over SSH in one session bracketed by read-only btrfs
/// snapshots on both hosts, and returns the session. -WhatIf validates everything and changes nothing.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "SyncSession", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(SyncSession))]
public sealed class StartSyncSessionCommand : SshCmdletBase
{
    /// <summary>The target: a host name, an address, user@host, or a Host alias of the ssh_config file.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [Alias("CN", "Target", "HostName")]
    [ValidateNotNullOrEmpty]
    public string ComputerName { get; set; } = string.Empty;

    /// <summary>The sync config; default ~/.config/disktools/sync.yaml ($XDG_CONFIG_HOME honoured).</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? ConfigPath { get; set; }

    /// <summary>Run only these jobs of sync_jobs (whether enabled there or not).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SyncJobNameCompleter))]
    public string[]? Job { get; set; }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        IOutputWriter output = this;
        bool whatIf = MyInvocation.BoundParameters.TryGetValue("WhatIf", out object? w) && w is SwitchParameter { IsPresent: true };
        LogLevel? requested = IsSet("Debug") ? LogLevel.Debug : IsSet("Verbose") ? LogLevel.Full : null;
        var options = new SyncRunOptions
        {
            Target = ConnectionOptionsFor(ComputerName),
            ConfigPath = ConfigPath is null ? null : Resolve(ConfigPath),
            Jobs = Job,
            WhatIf = whatIf,
            Output = output,
            ConsoleLevel = requested,
        };
        var orchestrator = new SyncOrchestrator(options);
        SyncSession session = await orchestrator.RunAsync(cancellationToken).ConfigureAwait(false);
        output.WriteObject(session);
    }

    private bool IsSet(string common) => MyInvocation.BoundParameters.TryGetValue(common, out object? value) && value is SwitchParameter { IsPresent: true };

    private string Resolve(string path) => PathResolver.ResolveLocalFile(this, path);
}
