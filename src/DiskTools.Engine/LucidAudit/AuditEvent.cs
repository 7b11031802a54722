namespace DiskTools.Engine.LucidAudit;

/// <summary>
/// One audit-trail event as LucidLink writes it. Paths are relative to the filespace root, '/'-separated,
/// without the leading '/' the trail uses (so they compare directly with inventory paths).
/// </summary>
/// <param name="TimestampMicros">Unix time in microseconds, UTC.</param>
public readonly record struct AuditEvent(
    long TimestampMicros,
    AuditAction Action,
    string EntryPath,
    string? TargetPath,
    string? FileId,
    string? UserName,
    string? UserId,
    string? DeviceHostName,
    string? DeviceOsName,
    string? DeviceOsVersion,
    string? Filespace,
    string? NodeId,
    string? FilespaceUuid)
{
    public DateTime TimestampUtc => DateTime.UnixEpoch.AddTicks(TimestampMicros * 10);
}
