namespace DiskTools.Engine.Traversal;

/// <summary>One entry of a listed directory; valid only during the <see cref="IWalkObserver.OnDirectory"/> callback.</summary>
public readonly ref struct WalkedEntry
{
    internal WalkedEntry(ReadOnlySpan<byte> name, in EntryStat stat, bool willVisit)
    {
        Name = name;
        Stat = stat;
        WillVisit = willVisit;
    }

    /// <summary>The raw name bytes as the file system stores them (not necessarily valid UTF-8).</summary>
    public ReadOnlySpan<byte> Name { get; }

    public EntryStat Stat { get; }

    /// <summary>
    /// True for a subdirectory the walker will list (it gets its own OnDirectory callback later). False for
    /// non-directories and for directories it will not enter (another file system under OneFileSystem).
    /// </summary>
    public bool WillVisit { get; }
}
