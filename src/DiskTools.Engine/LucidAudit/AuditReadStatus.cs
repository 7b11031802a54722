namespace DiskTools.Engine.LucidAudit;

/// <summary>What reading an audit log from its cursor found.</summary>
public enum AuditReadStatus
{
    /// <summary>Read normally (possibly nothing new).</summary>
    Ok,

    /// <summary>The log is shorter than the cursor: it was truncated or replaced. Nothing was read.</summary>
    Truncated,

    /// <summary>The first bytes no longer match the fingerprint: a different log under the same name. Nothing was read.</summary>
    Replaced,

    /// <summary>The log disappeared (neither name exists any more).</summary>
    Vanished,
}

/// <summary>The outcome of one read: where the cursor moves to and what was found.</summary>
/// <param name="Status">Whether the log could be read from its cursor.</param>
/// <param name="Cursor">The cursor after the read (unchanged unless <see cref="AuditReadStatus.Ok"/>).</param>
/// <param name="Lines">Complete lines consumed by this read (blank ones included).</param>
/// <param name="ReachedEnd">True when no further complete line is available now; false when the line limit stopped the read.</param>
/// <param name="PartialTailBytes">Bytes after the last complete line, left for a later read.</param>
public sealed record AuditReadResult(AuditReadStatus Status, AuditCursor Cursor, long Lines, bool ReachedEnd, long PartialTailBytes);
