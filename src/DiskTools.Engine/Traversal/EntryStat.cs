using DiskTools.Engine.Native;

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
/// st_size (du -b), <see cref="AllocatedBytes"/> is st_blocks × 512 (du -B1). <see cref="Modified"/> is the exact
/// modification time; <see cref="ChangedNs"/> the change time in nanoseconds since 1970, saturated outside
/// 1677–2262 as <see cref="FileTimestamp.UnixNanoseconds"/> describes.
/// </summary>
public readonly record struct EntryStat(
    EntryKind Kind,
    long Size,
    long AllocatedBytes,
    ulong Device,
    ulong Inode,
    uint LinkCount,
    uint Mode,
    FileTimestamp Modified,
    long ChangedNs)
{
    /// <summary>The modification time in nanoseconds since 1970, saturated outside 1677–2262.</summary>
    public long ModifiedNs => Modified.UnixNanoseconds;

    /// <summary>True when other names may share this inode and it must be counted once (never for directories).</summary>
    public bool MayBeHardLinked => LinkCount > 1 && Kind != EntryKind.Directory;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal static EntryStat From(in StatxBuffer s) => new(
        KindOfMode(s.Mode),
        (long)s.Size,
        (long)s.Blocks * 512,
        s.Device,
        s.Ino,
        s.Nlink,
        s.Mode,
        new FileTimestamp(s.MtimeSec, s.MtimeNsec),
        new FileTimestamp(s.CtimeSec, s.CtimeNsec).UnixNanoseconds);

    internal static EntryKind KindOfMode(uint mode) => (mode & 0xF000) switch
    {
        0x8000 => EntryKind.File,
        0x4000 => EntryKind.Directory,
        0xA000 => EntryKind.Symlink,
        _ => EntryKind.Other,
    };

    /// <summary>The kind getdents64's d_type tells, before any stat (only called when it is known).</summary>
    internal static EntryKind KindOfDirentType(byte type) => type switch
    {
        DirentRecords.TypeRegular => EntryKind.File,
        DirentRecords.TypeDirectory => EntryKind.Directory,
        DirentRecords.TypeSymlink => EntryKind.Symlink,
        _ => EntryKind.Other,
    };
}
