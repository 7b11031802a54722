using DiskTools.Engine.Traversal;

namespace DiskTools.Engine.DiskUsage;

/// <summary>
/// One scan of one root: its identity, what ran, the totals, errors, progress telemetry and the entries.
/// The object is created when the scan starts and filled in as it ends, so a reference taken early (e.g.
/// through -SessionVariable) shows the partial, Aborted result after a stop.
/// </summary>
public sealed class ScanSession
{
    private readonly List<ScanError> errors = [];
    private readonly List<ProgressSnapshot> snapshots = [];

    public ScanSession(string targetPath, WalkStrategy requested)
    {
        TargetPath = targetPath;
        RequestedStrategy = requested;
        (Strategy, StrategyFallbackReason) = TreeWalker.Resolve(requested);
    }

    public Guid SessionId { get; } = Guid.NewGuid();

    public string TargetPath { get; }

    public FileSystemKind FileSystemType { get; internal set; }

    /// <summary>The statfs magic number (or the drive format off Linux), for file systems named Other.</summary>
    public string FileSystemTypeRaw { get; internal set; } = string.Empty;

    /// <summary>The strategy that ran.</summary>
    public WalkStrategy Strategy { get; }

    public WalkStrategy RequestedStrategy { get; }

    /// <summary>Why the strategy differs from the one requested (automatic fallback); null when it does not.</summary>
    public string? StrategyFallbackReason { get; }

    public ScanStatus Status { get; internal set; } = ScanStatus.Initialized;

    public DateTimeOffset StartTime { get; internal set; }

    public DateTimeOffset? EndTime { get; internal set; }

    public TimeSpan Duration => (EndTime ?? DateTimeOffset.UtcNow) - StartTime;

    public long TotalFiles { get; internal set; }

    public long TotalDirectories { get; internal set; }

    /// <summary>Allocated bytes of the whole tree (du -B1 -s).</summary>
    public long TotalBytes { get; internal set; }

    /// <summary>Apparent bytes of the whole tree (du -b -s).</summary>
    public long TotalApparentBytes { get; internal set; }

    /// <summary>Entries and directories skipped by recoverable errors; equals the number of Warning errors.</summary>
    public long SkippedEntries { get; internal set; }

    /// <summary>Why the scan was aborted (timeout or stop); null otherwise.</summary>
    public string? AbortReason { get; internal set; }

    /// <summary>Directories re-scanned by -VerifyParity, and how many of them disagreed.</summary>
    public int ParityChecked { get; internal set; }

    public int ParityMismatches { get; internal set; }

    public IReadOnlyList<ScanError> Errors
    {
        get
        {
            lock (errors)
            {
                return errors.ToArray();
            }
        }
    }

    public IReadOnlyList<ProgressSnapshot> ProgressSnapshots
    {
        get
        {
            lock (snapshots)
            {
                return snapshots.ToArray();
            }
        }
    }

    public IReadOnlyList<DiskUsageEntry> Entries { get; internal set; } = [];

    internal void AddError(ScanError error)
    {
        lock (errors)
        {
            errors.Add(error);
            if (error.Severity == ScanErrorSeverity.Warning)
            {
                SkippedEntries++;
            }
        }
    }

    /// <summary>Adds a snapshot only if it moves forward in time and entries (the ordering rule).</summary>
    internal bool TryAddSnapshot(ProgressSnapshot snapshot)
    {
        lock (snapshots)
        {
            if (snapshots.Count > 0 && (snapshot.Timestamp <= snapshots[^1].Timestamp || snapshot.ProcessedEntries <= snapshots[^1].ProcessedEntries))
            {
                return false;
            }

            snapshots.Add(snapshot);
            return true;
        }
    }

    /// <summary>Human form of a byte count (1024-based), for views.</summary>
    public static string FormatBytes(long bytes) => SizeText.Format(bytes);

    public string FormatTotal() => SizeText.Format(TotalBytes);

    public string FormatApparentTotal() => SizeText.Format(TotalApparentBytes);

    /// <summary><see cref="FormatTotal"/> as a property: views read it, and it survives serialization.</summary>
    public string FormattedTotal => FormatTotal();

    /// <summary><see cref="FormatApparentTotal"/> as a property that survives serialization.</summary>
    public string FormattedApparentTotal => FormatApparentTotal();

    public override string ToString() => $"{TargetPath} ({Status})";
}
