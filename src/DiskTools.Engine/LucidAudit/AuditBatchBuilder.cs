namespace DiskTools.Engine.LucidAudit;

/// <summary>
/// Turns the lines of one read into the events to stage, counting what was read, malformed, rejected for
/// clock skew, ignored and of unknown action. Each line is judged on its own, so a bad line never blocks
/// the ones after it.
/// </summary>
public sealed class AuditBatchBuilder
{
    private readonly string auditFile;
    private readonly long latestAcceptedMicros;
    private readonly long earliestAcceptedMicros;

    /// <param name="auditFile">The log's path below the filespace root, for reports.</param>
    /// <param name="nowUtc">The current time.</param>
    /// <param name="maxFutureSkew">Events further ahead of <paramref name="nowUtc"/> than this are rejected.</param>
    /// <param name="earliestAcceptedUtc">Events dated before this are rejected (too far in the past); null accepts any.</param>
    public AuditBatchBuilder(string auditFile, DateTime nowUtc, TimeSpan maxFutureSkew, DateTime? earliestAcceptedUtc = null)
    {
        this.auditFile = auditFile;
        DateTime latest = maxFutureSkew >= DateTime.MaxValue - nowUtc ? DateTime.MaxValue : nowUtc + maxFutureSkew;
        latestAcceptedMicros = ToMicros(latest);
        earliestAcceptedMicros = earliestAcceptedUtc is DateTime earliest && earliest > DateTime.UnixEpoch ? ToMicros(earliest) : long.MinValue;
    }

    public List<StagedAuditEvent> Staged { get; } = [];

    public List<MalformedAuditLine> MalformedLines { get; } = [];

    /// <summary>Non-blank lines seen.</summary>
    public long EventsRead { get; private set; }

    public long Malformed => MalformedLines.Count;

    /// <summary>Events dated further in the future than the allowed skew, or before the earliest accepted time.</summary>
    public long Rejected { get; private set; }

    /// <summary>Of <see cref="Rejected"/>, those dated too far in the past.</summary>
    public long RejectedAsPast { get; private set; }

    /// <summary>Valid events whose action does not concern the inventory.</summary>
    public long Ignored { get; private set; }

    /// <summary>Valid events whose action this build does not know; not staged.</summary>
    public long UnknownActions { get; private set; }

    /// <summary>One of the unknown actions seen ("unknown action 'X'"), for the report.</summary>
    public string? SampleUnknownAction { get; private set; }

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

        if (e.TimestampMicros > latestAcceptedMicros || e.TimestampMicros < earliestAcceptedMicros)
        {
            Rejected++;
            if (e.TimestampMicros < earliestAcceptedMicros)
            {
                RejectedAsPast++;
            }

            return;
        }

        if (e.Action == AuditActions.Unknown)
        {
            UnknownActions++;
            SampleUnknownAction ??= error;
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

    /// <summary>A line too long to be an audit event (never buffered whole): reported like a malformed one.</summary>
    public void AddOversized(long lineNumber, long bytes)
    {
        EventsRead++;
        MalformedLines.Add(new MalformedAuditLine(auditFile, lineNumber, $"a line of {bytes:N0} bytes, longer than the {AuditLogReader.MaxLineBytes:N0} an audit event may have"));
    }

    /// <summary>A staged event PostgreSQL refused (found by isolating it): taken out of the batch and reported.</summary>
    internal void Refuse(StagedAuditEvent e, string reason)
    {
        Staged.Remove(e);
        MalformedLines.Add(new MalformedAuditLine(auditFile, e.LineNumber, reason));
    }

    private static long ToMicros(DateTime utc) => (utc.Ticks - DateTime.UnixEpoch.Ticks) / 10;
}
