using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DiskTools.Engine.Traversal.Native;

/// <summary>
/// The libc calls the Linux walker makes. Source-generated, blittable signatures only: pointers and
/// integers, so a call costs no marshalling allocation. errno is captured by SetLastError.
/// </summary>
internal static unsafe partial class LinuxNative
{
    private const string Libc = "libc";

    public const int AtFdCwd = -100;
    public const int AtSymlinkNoFollow = 0x100;
    public const int AtNoAutomount = 0x800;

    // Type, mode, nlink, mtime, ctime, ino, size, blocks: everything EntryStat carries and nothing more.
    public const uint StatxMask = 0x001 | 0x002 | 0x004 | 0x040 | 0x080 | 0x100 | 0x200 | 0x400;
    public const ulong StatxAttrMountRoot = 0x2000;

    public const byte DtUnknown = 0;
    public const byte DtDir = 4;
    public const byte DtReg = 8;
    public const byte DtLnk = 10;

    /// <summary>O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC; the first two bits differ between architectures.</summary>
    public static readonly int OpenDirectoryFlags = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.Arm64 or Architecture.Arm => 0x4000 | 0x8000 | 0x80000,
        _ => 0x10000 | 0x20000 | 0x80000,
    };

    [LibraryImport(Libc, EntryPoint = "openat", SetLastError = true)]
    public static partial int OpenAt(int dirFd, byte* path, int flags, int mode);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Libc, EntryPoint = "getdents64", SetLastError = true)]
    public static partial nint GetDents64(int fd, byte* buffer, nuint count);

    [LibraryImport(Libc, EntryPoint = "statx", SetLastError = true)]
    public static partial int Statx(int dirFd, byte* path, int flags, uint mask, StatxBuffer* buffer);

    [LibraryImport(Libc, EntryPoint = "statfs", SetLastError = true)]
    public static partial int StatFs(byte* path, StatFsBuffer* buffer);

    [LibraryImport(Libc, EntryPoint = "getrlimit", SetLastError = true)]
    public static partial int GetRLimit(int resource, RLimit* limit);

    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>statx of a NUL-terminated name relative to a directory fd, never following symlinks or automounts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int StatRelative(int dirFd, byte* name, StatxBuffer* buffer)
        => Statx(dirFd, name, AtSymlinkNoFollow | AtNoAutomount, StatxMask, buffer);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static EntryStat ToEntryStat(in StatxBuffer s) => new(
        KindOf(s.Mode),
        (long)s.Size,
        (long)s.Blocks * 512,
        MakeDev(s.DevMajor, s.DevMinor),
        s.Ino,
        s.Nlink,
        s.Mode,
        new FileTimestamp(s.MtimeSec, s.MtimeNsec),
        new FileTimestamp(s.CtimeSec, s.CtimeNsec).UnixNanoseconds);

    public static EntryKind KindOf(uint mode) => (mode & 0xF000) switch
    {
        0x8000 => EntryKind.File,
        0x4000 => EntryKind.Directory,
        0xA000 => EntryKind.Symlink,
        _ => EntryKind.Other,
    };

    /// <summary>glibc's makedev, so Device equals st_dev as stat(2) reports it.</summary>
    public static ulong MakeDev(uint major, uint minor)
        => ((ulong)(major & 0xfffff000) << 32) | ((ulong)(major & 0xfff) << 8) | ((ulong)(minor & 0xffffff00) << 12) | (minor & 0xff);

    /// <summary>The soft limit on open file descriptors (1024 by default on most systems).</summary>
    public static long OpenFileLimit()
    {
        RLimit limit;
        return GetRLimit(7 /* RLIMIT_NOFILE */, &limit) == 0 ? (long)Math.Min(limit.Current, long.MaxValue) : 1024;
    }
}

/// <summary>struct statx (256 bytes, the same on every Linux architecture).</summary>
[StructLayout(LayoutKind.Explicit, Size = 256)]
internal struct StatxBuffer
{
    [FieldOffset(0)] public uint Mask;
    [FieldOffset(8)] public ulong Attributes;
    [FieldOffset(16)] public uint Nlink;
    [FieldOffset(28)] public ushort ModeField;
    [FieldOffset(32)] public ulong Ino;
    [FieldOffset(40)] public ulong Size;
    [FieldOffset(48)] public ulong Blocks;
    [FieldOffset(56)] public ulong AttributesMask;
    [FieldOffset(96)] public long CtimeSec;
    [FieldOffset(104)] public uint CtimeNsec;
    [FieldOffset(112)] public long MtimeSec;
    [FieldOffset(120)] public uint MtimeNsec;
    [FieldOffset(136)] public uint DevMajor;
    [FieldOffset(140)] public uint DevMinor;

    public readonly uint Mode => ModeField;
}

/// <summary>struct statfs on 64-bit Linux (every field a 64-bit word except fsid).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct StatFsBuffer
{
    public long Type;
    public long BlockSize;
    public ulong Blocks;
    public ulong BlocksFree;
    public ulong BlocksAvailable;
    public ulong Files;
    public ulong FilesFree;
    public long FsId;
    public long NameLength;
    public long FragmentSize;
    public long Flags;
    public long Spare0;
    public long Spare1;
    public long Spare2;
    public long Spare3;
}

[StructLayout(LayoutKind.Sequential)]
internal struct RLimit
{
    public ulong Current;
    public ulong Maximum;
}
