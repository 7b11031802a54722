namespace DiskTools.Engine.LucidAudit;

/// <summary>
/// How far one audit log has been read. Keyed by node + begin stem, never by path, so the rename from
/// <c>.log.active</c> to <c>.log</c> continues where reading stopped instead of starting again.
/// </summary>
/// <param name="NodeId">The client node writing the log.</param>
/// <param name="BeginStem">The begin name of the log.</param>
/// <param name="AuditFile">The path below the filespace root where the log was last seen (informational).</param>
/// <param name="Position">Byte offset just past the last complete line consumed; a trailing partial line is never consumed.</param>
/// <param name="LineCount">Lines consumed so far, so malformed-line numbers stay right across passes.</param>
/// <param name="Fingerprint">SHA-256 of the first <paramref name="FingerprintLength"/> bytes: proves a later read is still the same log.</param>
/// <param name="FingerprintLength">How many leading bytes the fingerprint covers (at most <see cref="AuditFingerprint.MaxBytes"/>, never past <paramref name="Position"/>).</param>
public sealed record AuditCursor(
    string NodeId,
    string BeginStem,
    string AuditFile,
    long Position,
    long LineCount,
    byte[] Fingerprint,
    int FingerprintLength)
{
    /// <summary>A cursor at the start of a log nothing has been read from.</summary>
    public static AuditCursor Start(AuditLogFile file) => new(file.NodeId, file.BeginStem, file.RelativePath, 0, 0, [], 0);
}
