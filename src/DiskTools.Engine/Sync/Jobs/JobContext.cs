using DiskTools.Engine.Remoting;
using DiskTools.Engine.Sync.Config;
using DiskTools.Engine.Sync.Logging;

namespace DiskTools.Engine.Sync.Jobs;

/// <summary>How the target is reached, for jobs that open their own SSH transport (rsync).</summary>
/// <param name="Options">The options the session's SSH connection was made with.</param>
/// <param name="Resolved">Where that connection went (host, port, user, keys), or null before it was made.</param>
/// <param name="Rsync">rsync's ssh bound to that connection's resolution and verified host key; null when no job needs it.</param>
public sealed record TargetEndpoint(Remoting.Ssh.SshConnectionOptions Options, Remoting.Ssh.SshEndpoint? Resolved = null, RsyncTransport? Rsync = null);

/// <summary>
/// Everything a job gets: its own config section, an executor per host, the session's identity and the
/// injected log and progress methods. Jobs never see PowerShell, the event bus or each other.
/// </summary>
public sealed class JobContext(
    string jobName,
    ConfigSection config,
    SyncConfig sessionConfig,
    ICommandExecutor source,
    ICommandExecutor target,
    TargetEndpoint? targetEndpoint,
    string sessionId,
    DateTimeOffset sessionStartedAt,
    string sourceHostname,
    string targetHostname,
    IReadOnlyList<string> sourceReservedDirectories,
    Action<string, SyncHost, LogLevel, string, IReadOnlyDictionary<string, object?>?, Exception?> log,
    Action<string, ProgressUpdate> progress)
{
    public string JobName { get; } = jobName;

    /// <summary>The job's own section of the config, already validated against its schema.</summary>
    public ConfigSection Config { get; } = config;

    /// <summary>The whole session config (system jobs read their settings from it).</summary>
    public SyncConfig SessionConfig { get; } = sessionConfig;

    public ICommandExecutor Source { get; } = source;

    public ICommandExecutor Target { get; } = target;

    public TargetEndpoint? TargetEndpoint { get; } = targetEndpoint;

    /// <summary>
    /// The session's private directory on the target (where its lock is: mode 0700, this user's only), for
    /// files of the session's own there such as pid files; null before the target lock is held.
    /// </summary>
    public string? TargetPrivateDirectory { get; init; }

    /// <summary>The session only validates (-WhatIf): nothing may be started that only a transfer needs.</summary>
    public bool WhatIf { get; init; }

    public string SessionId { get; } = sessionId;

    /// <summary>When the session began, on this machine's clock.</summary>
    public DateTimeOffset SessionStartedAt { get; } = sessionStartedAt;

    public string SourceHostname { get; } = sourceHostname;

    public string TargetHostname { get; } = targetHostname;

    /// <summary>The directories this DiskTools process keeps its data, logs and locks in (on the source): never synced.</summary>
    public IReadOnlyList<string> SourceReservedDirectories { get; } = sourceReservedDirectories;

    public ICommandExecutor On(SyncHost host) => host == SyncHost.Source ? Source : Target;

    public string HostnameOf(SyncHost host) => host == SyncHost.Source ? SourceHostname : TargetHostname;

    /// <summary>The injected log method: <paramref name="host"/> says which machine the message is about.</summary>
    public void Log(SyncHost host, LogLevel level, string message, IReadOnlyDictionary<string, object?>? fields = null, Exception? error = null)
        => log(JobName, host, level, message, fields, error);

    /// <summary>The injected progress method.</summary>
    public void Progress(ProgressUpdate update) => progress(JobName, update);
}

/// <summary>A phase-3 finding: the live system on one host does not allow a job to run.</summary>
public sealed record ValidationProblem(string Job, SyncHost Host, string Hostname, string Message)
{
    public override string ToString() => $"{Job} on {Hostname} ({Host.ToString().ToLowerInvariant()}): {Message}";
}
