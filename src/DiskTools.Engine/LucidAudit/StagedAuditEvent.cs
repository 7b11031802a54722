namespace DiskTools.Engine.LucidAudit;

/// <summary>
/// What the inventory update needs from one event (the rest of the event is not kept): the line it came
/// from (its identity within the log), when, what, where, and who (for warming alerts).
/// </summary>
public readonly record struct StagedAuditEvent(
    long LineNumber,
    long TimestampMicros,
    AuditAction Action,
    string EntryPath,
    string? TargetPath,
    string? UserName);
