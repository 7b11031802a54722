namespace DiskTools.Engine.Traversal;

/// <summary>What an entry is, from its own (never followed) stat.</summary>
public enum EntryKind : byte
{
    File,
    Directory,
    Symlink,

    /// <summary>Devices, FIFOs and sockets: counted like files, never descended.</summary>
    Other,
}

/// <summary>
/// The part of an entry's lstat the product uses. Sizes are what GNU du adds up: <see cref="Size"/> is
/// st_size (du -b), <see cref="AllocatedBytes"/> is st_blocks × 512 (du -B1).
/// </summary>
public readonly record struct EntryStat(
    EntryKind Kind,
    long Size,
    long AllocatedBytes,
    ulong Device,
    ulong Inode,
    uint LinkCount,
    uint Mode,
    long ModifiedNs,
    long ChangedNs)
{
    /// <summary>True when other names may share this inode and it must be counted once (never for directories).</summary>
    public bool MayBeHardLinked => LinkCount > 1 && Kind != EntryKind.Directory;
}
