namespace DiskTools.Engine.LucidAudit;

/// <summary>One ingest pass of Watch-LucidAudit over a filespace's audit trail.</summary>
public sealed record AuditIngestResult
{
    public string Tenant { get; init; } = string.Empty;

    /// <summary>The root: where the LucidLink filespace is mounted.</summary>
    public string Root { get; init; } = string.Empty;

    public DateTimeOffset StartTime { get; init; }

    /// <summary>Audit logs that had new complete lines in this pass.</summary>
    public int Files { get; init; }

    /// <summary>Audit logs found under .lucid_audit.</summary>
    public int FilesFound { get; init; }

    /// <summary>Non-blank lines read.</summary>
    public long EventsRead { get; init; }

    /// <summary>Events that changed or matched an inventory record.</summary>
    public long Applied { get; init; }

    /// <summary>Events naming paths not in the inventory; queued in lucid_audit_unmatched.</summary>
    public long Unmatched { get; init; }

    /// <summary>Events dated further ahead than -MaxFutureSkew, or further before their log's beginning than -MaxPastSkew.</summary>
    public long Rejected { get; init; }

    /// <summary>Lines that could not be understood (each reported with file and line number).</summary>
    public long Malformed { get; init; }

    /// <summary>Valid events whose action says nothing about file use (directory creation, pins, attributes…).</summary>
    public long Ignored { get; init; }

    /// <summary>Valid events whose action this version does not know (a newer client's); counted and not applied.</summary>
    public long UnknownActions { get; init; }

    /// <summary>Audit logs set aside in this pass because they no longer match their cursors (each reported once).</summary>
    public int LogsSetAside { get; init; }

    /// <summary>Warming events emitted: accesses to planned or stubbed files.</summary>
    public long Warming { get; init; }

    /// <summary>The newest event read in this pass, or null when nothing new was read.</summary>
    public DateTimeOffset? NewestEvent { get; init; }

    /// <summary>How far behind the newest event is at the end of the pass.</summary>
    public TimeSpan? Lag { get; init; }

    public TimeSpan Duration { get; init; }
}
