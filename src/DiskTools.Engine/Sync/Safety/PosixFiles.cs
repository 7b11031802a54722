using System.Runtime.InteropServices;
using System.Text;

namespace DiskTools.Engine.Sync.Safety;

/// <summary>What statx(2) says about a file: type, owner, mode bits, links and the device/inode pair.</summary>
internal readonly record struct PosixStat(uint Type, uint Uid, uint Mode, uint Links, long Size, uint DevMajor, uint DevMinor, ulong Inode)
{
    public const uint Regular = 0x8000;
    public const uint Directory = 0x4000;
    public const uint SymbolicLink = 0xA000;
    public const uint Fifo = 0x1000;
    public const uint CharacterDevice = 0x2000;
    public const uint BlockDevice = 0x6000;
    public const uint Socket = 0xC000;

    public bool IsRegular => Type == Regular;

    public bool IsDirectory => Type == Directory;

    public bool IsSymbolicLink => Type == SymbolicLink;

    /// <summary>Mode as ls -l would give it in octal (e.g. "700").</summary>
    public string OctalMode => Convert.ToString(Mode & 0xFFF, 8);

    public string TypeName => Type switch
    {
        Regular => "a regular file",
        Directory => "a directory",
        SymbolicLink => "a symbolic link",
        Fifo => "a FIFO (named pipe)",
        CharacterDevice => "a character device",
        BlockDevice => "a block device",
        Socket => "a socket",
        _ => "a special file",
    };
}

/// <summary>
/// The few POSIX calls the session's private files need, straight to libc: .NET's file APIs follow
/// symbolic links, open FIFOs blocking and add share locks of their own, which is exactly what must not
/// happen to a lock or a config file that someone else may have planted.
/// </summary>
internal static unsafe partial class PosixFiles
{
    public const int ReadOnly = 0;
    public const int ReadWrite = 2;
    public const int Create = 0x40;
    public const int NonBlocking = 0x800;
    public const int NoFollow = 0x20000;
    public const int CloseOnExec = 0x80000;

    public const int ELOOP = 40;
    public const int ENOENT = 2;
    public const int EEXIST = 17;
    public const int EWOULDBLOCK = 11;

    private const int AtFdCwd = -100;
    private const int AtEmptyPath = 0x1000;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;
    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;

    public static uint EffectiveUserId => geteuid();

    /// <summary>lstat (never follows a final symbolic link); null when the path does not exist.</summary>
    public static PosixStat? LinkStat(string path) => StatPath(path, AtSymlinkNoFollow);

    /// <summary>stat (follows symbolic links); null when the path does not exist.</summary>
    public static PosixStat? Stat(string path) => StatPath(path, 0);

    /// <summary>fstat of an open descriptor.</summary>
    public static PosixStat StatDescriptor(int fd)
    {
        StatxBuffer buffer;
        byte empty = 0;
        if (Statx(fd, &empty, AtEmptyPath, StatxBasicStats, &buffer) != 0)
        {
            throw new IOException($"statx failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return From(buffer);
    }

    /// <summary>open(2); returns the descriptor, or -1 with the errno in <paramref name="errno"/>.</summary>
    public static int Open(string path, int flags, int mode, out int errno)
    {
        int fd = open(path, flags, mode);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd;
    }

    /// <summary>mkdir(2) of one directory; 0, or the errno.</summary>
    public static int MakeDirectory(string path, int mode)
        => mkdir(path, mode) == 0 ? 0 : Marshal.GetLastPInvokeError();

    public static void Close(int fd) => _ = close(fd);

    /// <summary>flock(LOCK_EX|LOCK_NB): 0, or the errno (EWOULDBLOCK when another open file holds it).</summary>
    public static int TryLockExclusive(int fd) => flock(fd, LockExclusive | LockNonBlocking) == 0 ? 0 : Marshal.GetLastPInvokeError();

    public static void Truncate(int fd) => _ = ftruncate(fd, 0);

    /// <summary>Reads at most <paramref name="limit"/> bytes from the start of the file.</summary>
    public static byte[] ReadPrefix(int fd, int limit)
    {
        var buffer = new byte[limit];
        int total = 0;
        while (total < limit)
        {
            nint read;
            fixed (byte* start = &buffer[total])
            {
                read = pread(fd, start, limit - total, total);
            }

            if (read <= 0)
            {
                break;
            }

            total += (int)read;
        }

        return buffer[..total];
    }

    public static bool WriteAll(int fd, byte[] content) => pwrite(fd, content, content.Length, 0) == content.Length;

    /// <summary>
    /// Whether any process holds a flock on the file with this device and inode, from /proc/locks (read
    /// only: probing by taking the lock would make a session starting at that instant think it is held).
    /// </summary>
    public static bool IsFlockHeld(PosixStat file)
    {
        string id = $"{file.DevMajor:x2}:{file.DevMinor:x2}:{file.Inode}";
        try
        {
            foreach (string line in File.ReadLines("/proc/locks"))
            {
                // "1: FLOCK  ADVISORY  WRITE 1234 00:1a:5678 0 EOF"; blocked waiters are marked "->".
                string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 6 && parts[1] == "FLOCK" && parts[5] == id)
                {
                    return true;
                }
            }
        }
        catch (IOException)
        {
        }

        return false;
    }

    /// <summary>Whether a child started from now on gets <paramref name="fd"/> (clears or sets FD_CLOEXEC).</summary>
    public static void SetInheritable(int fd, bool inheritable)
    {
        const int GetDescriptorFlags = 1, SetDescriptorFlags = 2, CloseOnExecFlag = 1;
        int flags = fcntl(fd, GetDescriptorFlags, 0);
        if (flags >= 0)
        {
            _ = fcntl(fd, SetDescriptorFlags, inheritable ? flags & ~CloseOnExecFlag : flags | CloseOnExecFlag);
        }
    }

    private static PosixStat? StatPath(string path, int flags)
    {
        StatxBuffer buffer;
        byte[] bytes = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            return Statx(AtFdCwd, p, flags, StatxBasicStats, &buffer) == 0 ? From(buffer) : null;
        }
    }

    private static PosixStat From(in StatxBuffer b)
        => new((uint)(b.Mode & 0xF000), b.Uid, (uint)(b.Mode & 0xFFF), b.Links, (long)b.Size, b.DevMajor, b.DevMinor, b.Inode);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static partial int Statx(int dirfd, byte* path, int flags, uint mask, StatxBuffer* buffer);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags, int mode);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mkdir(string path, int mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(int fd, int command, int argument);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int flock(int fd, int operation);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int ftruncate(int fd, long length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint pread(int fd, byte* buffer, nint count, long offset);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint pwrite(int fd, byte[] buffer, nint count, long offset);

    [LibraryImport("libc")]
    private static partial uint geteuid();

    /// <summary>struct statx from linux/stat.h (256 bytes, one layout on every architecture).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(16)] public uint Links;
        [FieldOffset(20)] public uint Uid;
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(32)] public ulong Inode;
        [FieldOffset(40)] public ulong Size;
        [FieldOffset(136)] public uint DevMajor;
        [FieldOffset(140)] public uint DevMinor;
    }
}
