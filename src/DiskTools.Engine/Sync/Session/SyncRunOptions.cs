using DiskTools.Engine.Remoting;
using DiskTools.Engine.Remoting.Ssh;
using DiskTools.Engine.Sync.Logging;

namespace DiskTools.Engine.Sync.Session;

/// <summary>What one run of <see cref="SyncOrchestrator"/> is asked to do.</summary>
public sealed record SyncRunOptions
{
    /// <summary>How to reach the target (its Host is the name or ssh_config alias the user gave).</summary>
    public required SshConnectionOptions Target { get; init; }

    /// <summary>The config file; null means the default (~/.config/disktools/sync.yaml).</summary>
    public string? ConfigPath { get; init; }

    /// <summary>Run only these sync jobs (in config order); null runs those enabled in sync_jobs.</summary>
    public IReadOnlyList<string>? Jobs { get; init; }

    /// <summary>Validate everything and report the plan; change nothing on either host and write no log file.</summary>
    public bool WhatIf { get; init; }

    /// <summary>
    /// Where the session reports — its log lines at or above the console threshold, errors, warnings and
    /// progress — and whose ShouldProcess is asked once, after validation, before anything changes (false ends
    /// the run there). Null reports only to the log file and asks nothing.
    /// </summary>
    public IOutputWriter? Output { get; init; }

    /// <summary>Lowers the console threshold below the config's log_cli_level (-Verbose: FULL, -Debug: DEBUG).</summary>
    public LogLevel? ConsoleLevel { get; init; }

    /// <summary>Where session logs go; null means $XDG_DATA_HOME/disktools/logs.</summary>
    public string? LogDirectory { get; init; }

    /// <summary>Where the local lock lives; null means $XDG_RUNTIME_DIR/disktools.</summary>
    public string? LockDirectory { get; init; }

    /// <summary>How the source is driven; null means this machine (<see cref="LocalExecutor"/>).</summary>
    public Func<ICommandExecutor>? SourceFactory { get; init; }

    /// <summary>How long Cleanup gives the running job to stop its processes on both hosts.</summary>
    public TimeSpan AbortTimeout { get; init; } = TimeSpan.FromSeconds(1);
}
