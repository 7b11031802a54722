namespace DiskTools.Engine.Sync.Session;

/// <summary>How one sync job ended.</summary>
public enum SyncJobStatus
{
    Success,
    Skipped,
    Failed,
}

/// <summary>The outcome of one job of a session.</summary>
public sealed record SyncJobResult(
    string JobName,
    SyncJobStatus Status,
    DateTimeOffset StartedAt,
    DateTimeOffset EndedAt,
    string? ErrorMessage = null)
{
    public TimeSpan Duration => EndedAt - StartedAt;
}

/// <summary>A snapshot a session took (or would take, under -WhatIf it takes none).</summary>
/// <param name="Hostname">The real hostname of the host it lives on.</param>
/// <param name="Role">Source or Target.</param>
/// <param name="Phase">PreSync or PostSync.</param>
public sealed record SyncSnapshot(
    string Hostname,
    Logging.SyncHost Role,
    string Subvolume,
    string Phase,
    string Name,
    string Path,
    DateTimeOffset CreatedAt);

/// <summary>One sync session, as Start-SyncSession returns it and Get-SyncSession rebuilds it from its log.</summary>
public sealed class SyncSession
{
    public required string SessionId { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? EndedAt { get; set; }

    public string SourceHostname { get; set; } = string.Empty;

    public string TargetHostname { get; set; } = string.Empty;

    /// <summary>The target as named on the command line (host or ~/.ssh/config alias).</summary>
    public string ComputerName { get; set; } = string.Empty;

    public SyncSessionState Status { get; set; } = SyncSessionState.Initializing;

    public bool WhatIf { get; set; }

    /// <summary>The status as the default view shows it ("Completed (WhatIf)" for a -WhatIf run); survives serialization.</summary>
    public string StatusText => WhatIf ? $"{Status} (WhatIf)" : Status.ToString();

    public List<SyncJobResult> JobResults { get; } = [];

    public List<SyncSnapshot> Snapshots { get; } = [];

    public string? LogFile { get; set; }

    public string? ConfigFile { get; set; }

    public string? ErrorMessage { get; set; }

    public TimeSpan? Duration => EndedAt is DateTimeOffset end ? end - StartedAt : null;

    public override string ToString() => $"{SessionId} {Status}";
}
