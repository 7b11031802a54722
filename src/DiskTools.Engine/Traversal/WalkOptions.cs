namespace DiskTools.Engine.Traversal;

/// <summary>How a tree is walked. <see cref="WalkStrategyNames"/> also reads the former names Optimized and Legacy.</summary>
public enum WalkStrategy
{
    /// <summary>Linux: openat + getdents64 + statx relative to the directory fd, on several threads. Falls back to Sequential elsewhere.</summary>
    Parallel,

    /// <summary>Portable managed enumeration on one thread: the reference, and the fallback off Linux.</summary>
    Sequential,
}

/// <summary>The names a strategy is given by: its own, and the ones it had before (Optimized, Legacy) so scripts keep working.</summary>
public static class WalkStrategyNames
{
    /// <summary>The strategy named <paramref name="name"/> (any case), former names included; false for any other text.</summary>
    public static bool TryParse(string name, out WalkStrategy strategy)
    {
        switch (name.Trim().ToUpperInvariant())
        {
            case "PARALLEL" or "OPTIMIZED":
                strategy = WalkStrategy.Parallel;
                return true;
            case "SEQUENTIAL" or "LEGACY":
                strategy = WalkStrategy.Sequential;
                return true;
            default:
                strategy = default;
                return false;
        }
    }
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

    /// <summary>Threads for the Parallel strategy; 0 or less means the processor count. Sequential always uses one.</summary>
    public int Parallelism { get; init; }

    public WalkStrategy Strategy { get; init; } = WalkStrategy.Parallel;

    /// <summary>Entries to leave out; null keeps everything.</summary>
    public WalkExclusion? Exclude { get; init; }

    internal int EffectiveParallelism => Parallelism > 0 ? Parallelism : Environment.ProcessorCount;
}
