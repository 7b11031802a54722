using DiskTools.Engine.Native;

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
internal static unsafe class PosixFiles
{
    public const int ReadOnly = OpenFlags.ReadOnly;
    public const int ReadWrite = OpenFlags.ReadWrite;
    public const int Create = OpenFlags.Create;
    public const int Exclusive = OpenFlags.Exclusive;
    public const int NonBlocking = OpenFlags.NonBlocking;
    public const int CloseOnExec = OpenFlags.CloseOnExec;
    public static readonly int NoFollow = OpenFlags.NoFollow;

    public const int ELOOP = Errno.ELOOP;
    public const int ENOENT = Errno.ENOENT;
    public const int EEXIST = Errno.EEXIST;
    public const int EWOULDBLOCK = Errno.EWOULDBLOCK;

    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;

    public static uint EffectiveUserId => Libc.GetEffectiveUserId();

    /// <summary>lstat (never follows a final symbolic link); null when the path does not exist.</summary>
    public static PosixStat? LinkStat(string path) => StatPath(path, Statx.AtSymlinkNoFollow);

    /// <summary>stat (follows symbolic links); null when the path does not exist.</summary>
    public static PosixStat? Stat(string path) => StatPath(path, 0);

    /// <summary>fstat of an open descriptor.</summary>
    public static PosixStat StatDescriptor(int fd) => From(Statx.OfDescriptor(fd));

    /// <summary>open(2); returns the descriptor, or -1 with the errno in <paramref name="errno"/>.</summary>
    public static int Open(string path, int flags, int mode, out int errno)
    {
        int fd;
        fixed (byte* p = NativePath.Terminated(path))
        {
            fd = Libc.OpenAt(OpenFlags.AtFdCwd, p, flags, mode);
        }

        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd;
    }

    /// <summary>mkdir(2) of one directory; 0, or the errno.</summary>
    public static int MakeDirectory(string path, int mode)
    {
        fixed (byte* p = NativePath.Terminated(path))
        {
            return Libc.MakeDirectory(p, mode) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
    }

    public static void Close(int fd) => _ = Libc.Close(fd);

    /// <summary>flock(LOCK_EX|LOCK_NB): 0, or the errno (EWOULDBLOCK when another open file holds it).</summary>
    public static int TryLockExclusive(int fd) => Libc.Flock(fd, LockExclusive | LockNonBlocking) == 0 ? 0 : Marshal.GetLastPInvokeError();

    public static void Truncate(int fd) => _ = Libc.FTruncate(fd, 0);

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
                read = Libc.PRead(fd, start, limit - total, total);
            }

            if (read <= 0)
            {
                break;
            }

            total += (int)read;
        }

        return buffer[..total];
    }

    public static bool WriteAll(int fd, byte[] content)
    {
        fixed (byte* p = content)
        {
            return Libc.PWrite(fd, p, content.Length, 0) == content.Length;
        }
    }

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

    private static PosixStat? StatPath(string path, int flags)
        => Statx.OfPath(path, flags, Statx.BasicStats, out StatxBuffer buffer) == 0 ? From(buffer) : null;

    private static PosixStat From(in StatxBuffer b)
        => new(b.FileType, b.Uid, b.Mode & 0xFFF, b.Nlink, (long)b.Size, b.DevMajor, b.DevMinor, b.Ino);
}
