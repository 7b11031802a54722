namespace DiskTools.Engine.DiskUsage;

/// <summary>
/// What a scan keeps per directory: a parent link, the name and running sums. This is the only per-item
/// state that lives for the whole scan, so memory grows with directories, not files.
/// </summary>
internal sealed class DirectoryNode
{
    public DirectoryNode(DirectoryNode? parent, byte[] name, int depth, int index)
    {
        Parent = parent;
        Name = name;
        Depth = depth;
        Index = index;
    }

    public DirectoryNode? Parent { get; }

    public byte[] Name { get; }

    public int Depth { get; }

    /// <summary>Creation order: every child is created after its parent, so a reverse sweep sums bottom-up.</summary>
    public int Index { get; }

    public Traversal.EntryKind Kind = Traversal.EntryKind.Directory;

    // Sums of this directory's own blocks and its direct non-directory entries until the final sweep adds
    // the subdirectories; hard-linked files are added when their attribution is settled.
    public long Blocks;
    public long Apparent;
    public long Files;
    public long Directories;

    // The same sums counting every hard link (du -l), kept for -VerifyParity.
    public long AllLinksBlocks;
    public long AllLinksApparent;

    /// <summary>Subdirectories the walker promised to visit, and how many it did (differ only when aborted).</summary>
    public int ExpectedChildren;
    public int VisitedChildren;

    public bool Incomplete;

    /// <summary>Files listed in this directory, kept only when they are within -Depth and -File asked for them.</summary>
    public List<FileRecord>? FilesToReport;

    /// <summary>Subdirectories, linked only for nodes within -Depth (to write the output in tree order).</summary>
    public List<DirectoryNode>? Children;
}

/// <summary>A file kept for output: name, sizes, kind.</summary>
internal sealed record FileRecord(DirectoryNode Parent, byte[] Name, Traversal.EntryKind Kind, long Blocks, long Apparent);
