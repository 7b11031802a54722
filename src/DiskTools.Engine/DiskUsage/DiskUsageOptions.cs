using DiskTools.Engine.Traversal;

namespace DiskTools.Engine.DiskUsage;

/// <summary>What a disk-usage scan reports and how it walks.</summary>
public sealed record DiskUsageOptions
{
    /// <summary>Directories (and files, with <see cref="IncludeFiles"/>) down to this many levels below the root (du -d).</summary>
    public int Depth { get; init; } = 1;

    /// <summary>When above 0: only the N largest entries anywhere in the tree, Depth ignored.</summary>
    public int Top { get; init; }

    public bool IncludeFiles { get; init; }

    public SizeBasis Basis { get; init; } = SizeBasis.Allocated;

    public bool OneFileSystem { get; init; }

    /// <summary>Count every hard link (du -l) instead of each inode once.</summary>
    public bool CountHardLinks { get; init; }

    public WalkStrategy Strategy { get; init; } = WalkStrategy.Parallel;

    public int ThrottleLimit { get; init; }

    public TimeSpan? Timeout { get; init; }

    public WalkExclusion? Exclude { get; init; }

    public bool VerifyParity { get; init; }
}
