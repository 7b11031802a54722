namespace DiskTools.Engine.LucidAudit;

/// <summary>A line that could not be understood, with where it is and why.</summary>
/// <param name="AuditFile">The log's path below the filespace root.</param>
/// <param name="LineNumber">1-based line number in the log.</param>
/// <param name="Reason">What is wrong with it.</param>
public sealed record MalformedAuditLine(string AuditFile, long LineNumber, string Reason);
