namespace DiskTools.Engine.Native;

/// <summary>statx(2): the flags and masks the product asks with, and the path and descriptor forms of the call.</summary>
internal static unsafe class Statx
{
    public const int AtEmptyPath = 0x1000;
    public const int AtSymlinkNoFollow = 0x100;
    public const int AtNoAutomount = 0x800;

    /// <summary>STATX_BASIC_STATS: everything stat(2) gives.</summary>
    public const uint BasicStats = 0x7ff;

    /// <summary>Type, mode, nlink, mtime, ctime, ino, size, blocks: everything a walked entry carries and nothing more.</summary>
    public const uint WalkMask = 0x001 | 0x002 | 0x004 | 0x040 | 0x080 | 0x100 | 0x200 | 0x400;

    public const ulong AttrMountRoot = 0x2000;

    /// <summary>lstat of a NUL-terminated name relative to a directory fd, never following symlinks or automounts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Relative(int dirFd, byte* name, StatxBuffer* buffer)
        => Libc.Statx(dirFd, name, NoFollowAnything, WalkMask, buffer);

    /// <summary>The flags of a walk's lstat: never follow a symlink, never trigger an automount.</summary>
    public const int NoFollowAnything = AtSymlinkNoFollow | AtNoAutomount;

    /// <summary>statx of a path with <paramref name="flags"/> (0 follows symlinks, as stat does); 0, or the errno.</summary>
    public static int OfPath(ReadOnlySpan<byte> terminatedPath, int flags, uint mask, out StatxBuffer buffer)
    {
        fixed (byte* p = terminatedPath)
        fixed (StatxBuffer* b = &buffer)
        {
            return Libc.Statx(OpenFlags.AtFdCwd, p, flags, mask, b) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>statx of a path given as text; 0, or the errno.</summary>
    public static int OfPath(string path, int flags, uint mask, out StatxBuffer buffer)
        => OfPath(NativePath.Terminated(path), flags, mask, out buffer);

    /// <summary>fstat of an open descriptor (statx with AT_EMPTY_PATH); throws when the descriptor cannot be stat'ed.</summary>
    public static StatxBuffer OfDescriptor(int fd)
    {
        StatxBuffer buffer;
        byte empty = 0;
        if (Libc.Statx(fd, &empty, AtEmptyPath, BasicStats, &buffer) != 0)
        {
            throw new IOException($"statx failed: {Errno.Describe(Marshal.GetLastPInvokeError())}");
        }

        return buffer;
    }

    /// <summary>glibc's makedev, so a device number equals st_dev as stat(2) reports it.</summary>
    public static ulong MakeDev(uint major, uint minor)
        => ((ulong)(major & 0xfffff000) << 32) | ((ulong)(major & 0xfff) << 8) | ((ulong)(minor & 0xffffff00) << 12) | (minor & 0xff);
}
