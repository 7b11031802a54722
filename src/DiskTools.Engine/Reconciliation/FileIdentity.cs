using System.Runtime.InteropServices;
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

internal static unsafe partial class NativeStat
{
    private const int AtFdCwd = -100;
    private const int AtEmptyPath = 0x1000;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;

    /// <summary>Stats an open file (fstat through statx with AT_EMPTY_PATH).</summary>
    public static FileIdentity Of(SafeFileHandle handle)
    {
        StatxBuffer buffer;
        byte empty = 0;
        int fd = (int)handle.DangerousGetHandle();
        if (Statx(fd, &empty, AtEmptyPath, StatxBasicStats, &buffer) != 0)
        {
            throw new IOException($"statx failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return From(buffer);
    }

    /// <summary>lstat of a path: null when it does not exist (or cannot be reached).</summary>
    public static FileIdentity? OfPath(string path)
    {
        StatxBuffer buffer;
        int length = System.Text.Encoding.UTF8.GetByteCount(path);
        Span<byte> bytes = length < 4000 ? stackalloc byte[length + 1] : new byte[length + 1];
        System.Text.Encoding.UTF8.GetBytes(path, bytes);
        bytes[length] = 0;
        fixed (byte* p = bytes)
        {
            return Statx(AtFdCwd, p, AtSymlinkNoFollow, StatxBasicStats, &buffer) == 0 ? From(buffer) : null;
        }
    }

    /// <summary>st_dev of a path as glibc encodes it (makedev), matching the walker's Device; 0 when unknown.</summary>
    public static ulong DeviceOf(string path)
    {
        StatxBuffer buffer;
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            if (Statx(AtFdCwd, p, AtSymlinkNoFollow, StatxBasicStats, &buffer) != 0)
            {
                return 0;
            }
        }

        ulong major = buffer.DevMajor, minor = buffer.DevMinor;
        return ((major & 0xfffff000UL) << 32) | ((major & 0xfffUL) << 8) | ((minor & 0xffffff00UL) << 12) | (minor & 0xffUL);
    }

    /// <summary>What a root is right now: its kind (lstat, so a symlink is seen as one) and, for a directory, its file system.</summary>
    public static RootIdentity ProbeRoot(string path)
    {
        StatxBuffer buffer;
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            if (Statx(AtFdCwd, p, AtSymlinkNoFollow, StatxBasicStats, &buffer) != 0)
            {
                return new RootIdentity(RootKind.Missing, 0, 0, null);
            }

            int type = buffer.Mode & 0xF000;
            if (type == 0xA000)
            {
                return new RootIdentity(RootKind.Symlink, buffer.Inode, 0, null);
            }

            if (type != 0x4000)
            {
                return new RootIdentity(RootKind.NotDirectory, buffer.Inode, 0, null);
            }

            // struct statfs on 64-bit Linux: f_type at 0, f_fsid (two ints) at 56; 120 bytes in all.
            byte* fs = stackalloc byte[256];
            if (StatFs(p, fs) != 0)
            {
                return new RootIdentity(RootKind.Directory, buffer.Inode, 0, null);
            }

            long fsType = *(long*)fs;
            ulong fsid = *(ulong*)(fs + 56);
            return new RootIdentity(RootKind.Directory, buffer.Inode, fsType, fsid == 0 ? null : fsid.ToString("x16", System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private static FileIdentity From(in StatxBuffer b)
    {
        var modified = new FileTimestamp(b.MtimeSec, b.MtimeNsec);
        return new(
            (b.Mode & 0xF000) == 0x8000,
            (long)b.Size,
            modified.UnixNanoseconds,
            modified.PostgresMicroseconds,
            new FileTimestamp(b.CtimeSec, b.CtimeNsec).UnixNanoseconds,
            b.Inode);
    }

    [LibraryImport("libc", EntryPoint = "statfs", SetLastError = true)]
    private static partial int StatFs(byte* path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static partial int Statx(int dirfd, byte* path, int flags, uint mask, StatxBuffer* buffer);

    /// <summary>struct statx from linux/stat.h (256 bytes).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(32)] public ulong Inode;
        [FieldOffset(40)] public ulong Size;
        [FieldOffset(96)] public long CtimeSec;
        [FieldOffset(104)] public uint CtimeNsec;
        [FieldOffset(112)] public long MtimeSec;
        [FieldOffset(120)] public uint MtimeNsec;
        [FieldOffset(136)] public uint DevMajor;
        [FieldOffset(140)] public uint DevMinor;
    }
}
