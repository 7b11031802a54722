namespace DiskTools.Engine.Traversal;

/// <summary>
/// One listed directory, handed to <see cref="IWalkObserver.OnDirectory"/>. The object and every span it
/// returns are reused once the callback returns: copy what you keep.
/// </summary>
public interface IWalkedDirectory
{
    /// <summary>UTF-8 bytes relative to the root, '/'-separated; empty for the root itself.</summary>
    ReadOnlySpan<byte> RelativePath { get; }

    /// <summary>The root path joined with the relative path for display; invalid UTF-8 bytes appear as \xNN. Built on request.</summary>
    string FullPath { get; }

    /// <summary>The directory's own stat (taken from its parent's listing; for the root, an lstat of the root).</summary>
    EntryStat Stat { get; }

    /// <summary>0 for the root.</summary>
    int Depth { get; }

    /// <summary>False when the directory could not be opened or fully listed; an OnError call says why.</summary>
    bool Complete { get; }

    /// <summary>Number of entries: non-directories and subdirectories alike, in listing order ("." and ".." excluded).</summary>
    int Count { get; }

    WalkedEntry this[int index] { get; }

    /// <summary>What the observer attached to this directory's parent (null for the root).</summary>
    object? ParentState { get; }

    /// <summary>Set by the observer during the callback; every subdirectory sees it as its <see cref="ParentState"/>.</summary>
    object? State { get; set; }
}

/// <summary>Receives a walk. Called concurrently from the walker's threads; must be thread-safe.</summary>
public interface IWalkObserver
{
    /// <summary>
    /// Exactly once per directory met, including unreadable ones (then <see cref="IWalkedDirectory.Complete"/> is
    /// false). A parent's callback always returns before any of its subdirectories' callbacks start. When the
    /// root is not a directory, it is reported once as a "directory" of its own kind with no entries.
    /// </summary>
    void OnDirectory(IWalkedDirectory directory);

    /// <summary>A problem the walk stepped over (the walk goes on).</summary>
    void OnError(WalkError error);
}
