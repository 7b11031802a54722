namespace DiskTools.Engine.Traversal;

/// <summary>How a tree is walked.</summary>
public enum WalkStrategy
{
    /// <summary>Linux: openat + getdents64 + statx relative to the directory fd, in parallel. Falls back to Legacy elsewhere.</summary>
    Optimized,

    /// <summary>Portable managed enumeration on one thread: the reference, and the fallback off Linux.</summary>
    Legacy,
}

/// <summary>
/// Decides whether an entry is left out of the walk entirely (not listed in its parent's batch, not entered).
/// Called from the walker's threads with the parent's relative path, the entry's name and its kind.
/// </summary>
public delegate bool WalkExclusion(ReadOnlySpan<byte> parentRelativePath, ReadOnlySpan<byte> name, EntryKind kind);

/// <summary>Options of a walk.</summary>
public sealed record WalkOptions
{
    /// <summary>Do not enter directories on another device than the root (du -x). They are still listed in their parent.</summary>
    public bool OneFileSystem { get; init; }

    /// <summary>Threads for the Optimized strategy; 0 or less means the processor count. Legacy always uses one.</summary>
    public int Parallelism { get; init; }

    public WalkStrategy Strategy { get; init; } = WalkStrategy.Optimized;

    /// <summary>Entries to leave out; null keeps everything.</summary>
    public WalkExclusion? Exclude { get; init; }

    internal int EffectiveParallelism => Parallelism > 0 ? Parallelism : Environment.ProcessorCount;
}
