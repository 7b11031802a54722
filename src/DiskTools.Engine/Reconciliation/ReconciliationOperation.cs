namespace DiskTools.Engine.Reconciliation;

/// <summary>One reconciliation pass, or one minute of real-time changes, as recorded in sync_operations.</summary>
public sealed record ReconciliationOperation
{
    public long Id { get; init; }

    public Guid RootId { get; init; }

    public string RootPath { get; init; } = string.Empty;

    /// <summary>realtime, reconciliation (periodic), startup (first pass of a watch) or manual.</summary>
    public string OperationType { get; init; } = string.Empty;

    public int FilesScanned { get; init; }

    public int FilesAdded { get; init; }

    public int FilesUpdated { get; init; }

    public int FilesRemoved { get; init; }

    /// <summary>Files that changed while being hashed; left for the next pass rather than recorded wrongly.</summary>
    public int FilesDeferred { get; init; }

    /// <summary>Files found under a new path with the same inode, size and mtime: their records moved with them.</summary>
    public int FilesMoved { get; init; }

    public DateTimeOffset StartTime { get; init; }

    public DateTimeOffset? EndTime { get; init; }

    public TimeSpan? Duration { get; init; }

    /// <summary>running, completed or failed.</summary>
    public string Status { get; init; } = string.Empty;

    public string? ErrorMessage { get; init; }
}
