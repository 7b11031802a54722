namespace DiskTools.Engine.LucidAudit;

/// <summary>How Watch-LucidAudit ingests a filespace's audit trail.</summary>
public sealed record AuditIngestOptions
{
    public const string DefaultTenant = "default";

    /// <summary>The tenant that owns the filespace; a filespace belongs to one tenant only.</summary>
    public string Tenant { get; init; } = DefaultTenant;

    /// <summary>Events dated further ahead of now are rejected (clock skew on a client).</summary>
    public TimeSpan MaxFutureSkew { get; init; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Events dated more than this before the beginning of their own log are rejected: a client writes a
    /// log from its begin time on, so such a date comes from a clock that is wrong (reset to 1970, say),
    /// and would make a file look unused for years.
    /// </summary>
    public TimeSpan MaxPastSkew { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Applied staging rows older than this are removed after a successful pass.</summary>
    public TimeSpan StagingRetention { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Audit logs read and staged at once (each on its own connection).</summary>
    public int MaxConcurrency { get; init; } = Math.Clamp(Environment.ProcessorCount, 2, 4);

    /// <summary>Lines read and staged per transaction; stopping waits for at most one such chunk.</summary>
    public int ChunkLines { get; init; } = 50_000;

    /// <summary>Events staged before they are applied in one transaction; bounds the apply's size.</summary>
    public long RoundEvents { get; init; } = 2_000_000;

    /// <summary>
    /// Pending lines from which an apply is planned for a large round (see <see cref="AuditApplier"/>); below
    /// it PostgreSQL's planner decides alone. Tests lower it to run the large-round plan on small trees.
    /// </summary>
    internal long LargeRoundLines { get; init; } = AuditApplier.LargeRoundLines;

    /// <summary>Malformed lines reported one by one per log and pass; the rest are summarised in a warning.</summary>
    public int MaxReportedMalformedPerFile { get; init; } = 10;
}
