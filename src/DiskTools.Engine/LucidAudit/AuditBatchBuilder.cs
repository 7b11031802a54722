namespace DiskTools.Engine.LucidAudit;

/// <summary>
/// Turns the lines of one read into the events to stage, counting what was read, malformed, rejected for
/// clock skew and ignored. Each line is judged on its own, so a bad line never blocks the ones after it.
/// </summary>
public sealed class AuditBatchBuilder
{
    private readonly string auditFile;
    private readonly long latestAcceptedMicros;

    /// <param name="auditFile">The log's path below the filespace root, for reports.</param>
    /// <param name="nowUtc">The current time.</param>
    /// <param name="maxFutureSkew">Events further ahead of <paramref name="nowUtc"/> than this are rejected.</param>
    public AuditBatchBuilder(string auditFile, DateTime nowUtc, TimeSpan maxFutureSkew)
    {
        this.auditFile = auditFile;
        DateTime latest = maxFutureSkew >= DateTime.MaxValue - nowUtc ? DateTime.MaxValue : nowUtc + maxFutureSkew;
        latestAcceptedMicros = (latest.Ticks - DateTime.UnixEpoch.Ticks) / 10;
    }

    public List<StagedAuditEvent> Staged { get; } = [];

    public List<MalformedAuditLine> MalformedLines { get; } = [];

    /// <summary>Non-blank lines seen.</summary>
    public long EventsRead { get; private set; }

    public long Malformed => MalformedLines.Count;

    /// <summary>Events dated further in the future than the allowed skew.</summary>
    public long Rejected { get; private set; }

    /// <summary>Valid events whose action does not concern the inventory.</summary>
    public long Ignored { get; private set; }

    /// <summary>Newest timestamp among accepted events (Unix µs), or 0.</summary>
    public long NewestMicros { get; private set; }

    public void Add(ReadOnlySpan<byte> line, long lineNumber)
    {
        EventsRead++;
        if (!AuditEventParser.TryParseStaged(line, lineNumber, out StagedAuditEvent e, out string? error))
        {
            MalformedLines.Add(new MalformedAuditLine(auditFile, lineNumber, error ?? "not understood"));
            return;
        }

        if (e.TimestampMicros > latestAcceptedMicros)
        {
            Rejected++;
            return;
        }

        NewestMicros = Math.Max(NewestMicros, e.TimestampMicros);
        if (!AuditActions.AffectsInventory(e.Action))
        {
            Ignored++;
            return;
        }

        Staged.Add(e);
    }
}
