using DiskTools.Engine.Native;
using DiskTools.Engine.Traversal;
using Microsoft.Win32.SafeHandles;

namespace DiskTools.Engine.Reconciliation;

/// <summary>
/// The fields change detection compares, read with statx (one layout on every architecture), and the modification
/// time as mod_time stores it (<paramref name="ModTimeMicros"/>, PostgreSQL's binary timestamptz). The times are
/// the stored forms of <see cref="FileTimestamp"/>: nanoseconds saturate outside 1677–2262, where a change still
/// shows in the change time.
/// </summary>
internal readonly record struct FileIdentity(bool IsRegular, long Size, long ModifiedNs, long ModTimeMicros, long ChangedNs, ulong Inode)
{
    /// <summary>Same size, mtime, ctime and inode: inequality of any one means the file changed.</summary>
    public bool SameAs(FileIdentity other)
        => Size == other.Size && ModifiedNs == other.ModifiedNs && ChangedNs == other.ChangedNs && Inode == other.Inode;
}

internal enum RootKind
{
    Missing,
    Symlink,
    NotDirectory,
    Directory,
}

/// <summary>
/// A root as the pass sees it: a real directory, on file system type <paramref name="FsType"/> (statfs f_type)
/// with id <paramref name="FsId"/> (f_fsid in hex; null when the file system gives none, as FUSE does), and its
/// own inode. The device number is deliberately not part of it: the same file system mounted again (another loop
/// device, a FUSE or network remount) gets a new one.
/// </summary>
internal readonly record struct RootIdentity(RootKind Kind, ulong Inode, long FsType, string? FsId)
{
    public string Describe()
        => $"file system type 0x{FsType:x}{(FsId is null ? string.Empty : ", id " + FsId)}, root inode {Inode}";
}

/// <summary>The statx reads of change detection: an open file, a path, a device number and a root.</summary>
internal static unsafe class NativeStat
{
    /// <summary>Stats an open file (fstat through statx with AT_EMPTY_PATH).</summary>
    public static FileIdentity Of(SafeFileHandle handle) => From(Statx.OfDescriptor((int)handle.DangerousGetHandle()));

    /// <summary>lstat of a path: null when it does not exist (or cannot be reached).</summary>
    public static FileIdentity? OfPath(string path)
        => Statx.OfPath(path, Statx.AtSymlinkNoFollow, Statx.BasicStats, out StatxBuffer buffer) == 0 ? From(buffer) : null;

    /// <summary>st_dev of a path as glibc encodes it (makedev), matching the walker's Device; 0 when unknown.</summary>
    public static ulong DeviceOf(string path)
        => Statx.OfPath(path, Statx.AtSymlinkNoFollow, Statx.BasicStats, out StatxBuffer buffer) == 0 ? buffer.Device : 0;

    /// <summary>What a root is right now: its kind (lstat, so a symlink is seen as one) and, for a directory, its file system.</summary>
    public static RootIdentity ProbeRoot(string path)
    {
        byte[] bytes = NativePath.Terminated(path);
        if (Statx.OfPath(bytes, Statx.AtSymlinkNoFollow, Statx.BasicStats, out StatxBuffer buffer) != 0)
        {
            return new RootIdentity(RootKind.Missing, 0, 0, null);
        }

        if (buffer.FileType == 0xA000)
        {
            return new RootIdentity(RootKind.Symlink, buffer.Ino, 0, null);
        }

        if (buffer.FileType != 0x4000)
        {
            return new RootIdentity(RootKind.NotDirectory, buffer.Ino, 0, null);
        }

        StatFsBuffer fs;
        fixed (byte* p = bytes)
        {
            if (Libc.StatFs(p, &fs) != 0)
            {
                return new RootIdentity(RootKind.Directory, buffer.Ino, 0, null);
            }
        }

        return new RootIdentity(RootKind.Directory, buffer.Ino, fs.Type, fs.FsId == 0 ? null : fs.FsId.ToString("x16", System.Globalization.CultureInfo.InvariantCulture));
    }

    private static FileIdentity From(in StatxBuffer b)
    {
        var modified = new FileTimestamp(b.MtimeSec, b.MtimeNsec);
        return new(
            b.FileType == 0x8000,
            (long)b.Size,
            modified.UnixNanoseconds,
            modified.PostgresMicroseconds,
            new FileTimestamp(b.CtimeSec, b.CtimeNsec).UnixNanoseconds,
            b.Ino);
    }
}
