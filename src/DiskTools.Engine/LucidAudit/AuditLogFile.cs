namespace DiskTools.Engine.LucidAudit;

/// <summary>
/// One audit log found under <c>.lucid_audit/&lt;node&gt;/&lt;yyyy&gt;/&lt;mm&gt;/&lt;begin&gt;.log[.active]</c>.
/// Its identity is <see cref="NodeId"/> + <see cref="BeginStem"/>: the client renames
/// <c>.log.active</c> to <c>.log</c> when it rotates, so the path changes but the log does not.
/// </summary>
/// <param name="FullPath">Where the file is now.</param>
/// <param name="RelativePath">The path below the filespace root, e.g. ".lucid_audit/n1/2025/11/2025-11-29T14.30.22Z.log".</param>
/// <param name="NodeId">The client node that writes the log.</param>
/// <param name="BeginStem">The begin name, e.g. "2025-11-29T14.30.22Z".</param>
/// <param name="BeginUtc">The begin name as a time.</param>
/// <param name="IsActive">True while the client is still writing it (".log.active").</param>
/// <param name="Length">Size when it was found.</param>
public sealed record AuditLogFile(
    string FullPath,
    string RelativePath,
    string NodeId,
    string BeginStem,
    DateTime BeginUtc,
    bool IsActive,
    long Length);
