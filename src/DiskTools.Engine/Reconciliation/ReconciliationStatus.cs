namespace DiskTools.Engine.Reconciliation;

/// <summary>Where a root's inventory stands: size, watcher liveness, the last operation, the next pass.</summary>
public sealed record ReconciliationStatus
{
    public Guid RootId { get; init; }

    public string RootPath { get; init; } = string.Empty;

    public long TotalFiles { get; init; }

    /// <summary>True while a watcher's heartbeat in the database is fresh.</summary>
    public bool IsWatching { get; init; }

    public string? WatcherHost { get; init; }

    public int? WatcherProcessId { get; init; }

    public DateTimeOffset? LastHeartbeat { get; init; }

    public ReconciliationOperation? LastOperation { get; init; }

    /// <summary>When the watcher will run its next full pass; null when nothing is watching.</summary>
    public DateTimeOffset? NextReconciliation { get; init; }

    /// <summary>The last operation in one line (type, status, local start time), as the default view shows it; survives serialization.</summary>
    public string? LastOperationText => LastOperation is { } last
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{last.OperationType} {last.Status} {last.StartTime.ToLocalTime():yyyy-MM-dd HH:mm}")
        : null;
}
