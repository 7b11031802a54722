namespace DiskTools.Engine.DiskUsage;

/// <summary>Where a scan is in its life: Initialized → Running → Completing → Completed, or Aborted.</summary>
public enum ScanStatus
{
    Initialized,
    Running,
    Completing,
    Completed,

    /// <summary>Stopped by -Timeout or a stopped pipeline; the totals cover what was scanned.</summary>
    Aborted,
}

/// <summary>The file system a scan root lives on, from statfs.</summary>
public enum FileSystemKind
{
    Other,
    Ext4,
    Xfs,
    Btrfs,
    Tmpfs,
    Nfs,
    Overlay,
    Ntfs,
    Apfs,
}

/// <summary>Whether the scan went on after an error.</summary>
public enum ScanErrorSeverity
{
    /// <summary>Recoverable: an entry or directory was skipped and the scan went on.</summary>
    Warning,

    /// <summary>The scan could not go on.</summary>
    Critical,
}

/// <summary>A problem met during a scan.</summary>
public sealed record ScanError(Guid SessionId, string Path, string ErrorCode, ScanErrorSeverity Severity, DateTimeOffset OccurredAt, string Message);

/// <summary>One point of a scan's progress; snapshots strictly increase in time and entries.</summary>
/// <param name="EstimatedCompletionRatio">0–1 when an estimate is possible (root is a mount point, or a previous scan of the root is known); null otherwise.</param>
public sealed record ProgressSnapshot(
    Guid SessionId,
    DateTimeOffset Timestamp,
    long ProcessedEntries,
    long ProcessedBytes,
    double? EstimatedCompletionRatio,
    long RecentThroughputBytesPerSec)
{
    public string FormatBytes() => SizeText.Format(ProcessedBytes);

    public string FormatRate() => SizeText.Format(RecentThroughputBytesPerSec) + "/s";

    /// <summary><see cref="FormatBytes"/> as a property that survives serialization.</summary>
    public string FormattedBytes => FormatBytes();

    /// <summary><see cref="FormatRate"/> as a property that survives serialization.</summary>
    public string FormattedRate => FormatRate();
}

/// <summary>What an entry of the disk-usage output is.</summary>
public enum DiskUsageEntryKind
{
    Directory,
    File,
    Symlink,
    Other,
}

/// <summary>Which size -Top, Share and the default view rank by.</summary>
public enum SizeBasis
{
    /// <summary>Allocated bytes, st_blocks × 512 (du -B1).</summary>
    Allocated,

    /// <summary>Apparent size, st_size (du -b / --apparent-size).</summary>
    Apparent,
}

/// <summary>
/// One directory (or, with -File, one file) of a disk-usage scan. Sizes include everything below the
/// directory, its own blocks included; a hard-linked file counts once, under the link chosen by the
/// documented rule (its lexicographically lowest path).
/// </summary>
public sealed class DiskUsageEntry
{
    /// <summary>Full display path; bytes that are not UTF-8 appear as \xNN.</summary>
    public required string Path { get; init; }

    public required string Name { get; init; }

    public required DiskUsageEntryKind Kind { get; init; }

    /// <summary>True for a directory; a plain property, so views can tell even on a deserialized entry (whose enum arrives as a number).</summary>
    public bool IsDirectory => Kind == DiskUsageEntryKind.Directory;

    /// <summary>Allocated bytes (st_blocks × 512), as du -B1 reports.</summary>
    public required long Size { get; init; }

    /// <summary>Apparent bytes (st_size), as du -b reports.</summary>
    public required long ApparentSize { get; init; }

    /// <summary>Non-directory entries below (every hard link counts as an entry).</summary>
    public required long FileCount { get; init; }

    /// <summary>Directories below, not counting itself.</summary>
    public required long DirectoryCount { get; init; }

    /// <summary>Levels below the scan root (0 for the root).</summary>
    public required int Depth { get; init; }

    /// <summary>True when this entry or something below could not be read (or the scan was aborted before finishing it).</summary>
    public required bool Incomplete { get; init; }

    /// <summary>Fraction (0–1) of the parent's size in the chosen <see cref="Basis"/>; 1 for the root.</summary>
    public required double Share { get; init; }

    public required SizeBasis Basis { get; init; }

    /// <summary>The scan root this entry belongs to.</summary>
    public required string Root { get; init; }

    public required Guid SessionId { get; init; }

    /// <summary>The size in the chosen basis (what the default view shows).</summary>
    public long DisplaySize => Basis == SizeBasis.Apparent ? ApparentSize : Size;

    /// <summary>The display size in human units (1024-based), as the default view shows it.</summary>
    public string FormatSize() => SizeText.Format(DisplaySize);

    /// <summary>A bar of <paramref name="width"/> cells for <see cref="Share"/>, followed by the percent.</summary>
    public string FormatShare(int width) => SizeText.Bar(Share, width) + " " + ((int)Math.Round(Share * 100)).ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(3) + "%";

    /// <summary><see cref="FormatSize"/> as a property: views read it, and it survives serialization (jobs, remoting, Export-Clixml).</summary>
    public string FormattedSize => FormatSize();

    /// <summary><see cref="FormatShare"/> with the default view's 12-cell bar, as a property that survives serialization.</summary>
    public string FormattedShare => FormatShare(12);

    public override string ToString() => Path;
}
