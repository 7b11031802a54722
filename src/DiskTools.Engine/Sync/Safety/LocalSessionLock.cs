using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace DiskTools.Engine.Sync.Safety;

/// <summary>
/// One session per host and role: an exclusive flock(2) on a file under $XDG_RUNTIME_DIR/disktools/.
/// The kernel drops the lock when the holder dies, so a crash never leaves the host locked; the pid,
/// session and time written into the file only serve messages ("held by session X, pid Y") and to
/// recognise a stale file left by a process that no longer exists. The file is opened with open(2)
/// directly because .NET's FileStream adds share locks of its own that would get in the way.
/// </summary>
public sealed class LocalSessionLock : IDisposable
{
    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;
    private const int EWOULDBLOCK = 11;
    private const int OpenReadWrite = 2;
    private const int OpenReadOnly = 0;
    private const int OpenCreate = 0x40;
    private const int OpenCloseOnExec = 0x80000;

    private int fd;

    private LocalSessionLock(string path, int fd, string? staleHolder)
    {
        Path = path;
        this.fd = fd;
        StaleHolder = staleHolder;
    }

    public string Path { get; }

    /// <summary>What a dead previous holder had written, when its leftover file was taken over.</summary>
    public string? StaleHolder { get; }

    /// <summary>$XDG_RUNTIME_DIR/disktools, else /run/user/&lt;uid&gt;/disktools, else /tmp/disktools-&lt;uid&gt;.</summary>
    public static string DefaultDirectory
    {
        get
        {
            string? runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
            if (!string.IsNullOrWhiteSpace(runtime) && System.IO.Path.IsPathRooted(runtime) && Directory.Exists(runtime))
            {
                return System.IO.Path.Combine(runtime, "disktools");
            }

            uint uid = geteuid();
            string userRun = $"/run/user/{uid}";
            return Directory.Exists(userRun) ? System.IO.Path.Combine(userRun, "disktools") : $"/tmp/disktools-{uid}";
        }
    }

    /// <summary>Takes the lock or throws <see cref="SessionLockedException"/> naming the holder.</summary>
    public static LocalSessionLock Acquire(string path, string sessionId, string hostname)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        int handle = open(path, OpenReadWrite | OpenCreate | OpenCloseOnExec, Convert.ToInt32("644", 8));
        if (handle < 0)
        {
            int openErrno = Marshal.GetLastPInvokeError();
            throw new Output.DiskToolsException("SyncLockFailed", Output.ErrorKind.PermissionDenied, $"Cannot open the lock file '{path}' (errno {openErrno}).", path);
        }

        if (flock(handle, LockExclusive | LockNonBlocking) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            string holder = ReadAll(handle);
            _ = close(handle);
            throw errno == EWOULDBLOCK
                ? new SessionLockedException(path, hostname, holder)
                : new Output.DiskToolsException("SyncLockFailed", Output.ErrorKind.PermissionDenied, $"Cannot lock '{path}' (errno {errno}).", path);
        }

        string previous = ReadAll(handle);
        string? stale = previous.Length > 0 && !HolderAlive(previous) ? previous : null;
        byte[] content = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"pid={Environment.ProcessId} session={sessionId} host={hostname} since={DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ssZ}\n"));
        _ = ftruncate(handle, 0);
        _ = pwrite(handle, content, content.Length, 0);
        return new LocalSessionLock(path, handle, stale);
    }

    /// <summary>What the lock file says about its holder (empty when free or absent).</summary>
    public static string ReadHolder(string path)
    {
        int handle = open(path, OpenReadOnly | OpenCloseOnExec, 0);
        if (handle < 0)
        {
            return string.Empty;
        }

        try
        {
            return ReadAll(handle);
        }
        finally
        {
            _ = close(handle);
        }
    }

    public void Dispose()
    {
        int handle = Interlocked.Exchange(ref fd, -1);
        if (handle >= 0)
        {
            // Empty the file first so a reader never mistakes a released lock for a live holder;
            // closing the descriptor releases the flock.
            _ = ftruncate(handle, 0);
            _ = close(handle);
        }
    }

    private static string ReadAll(int handle)
    {
        var buffer = new byte[512];
        nint read = pread(handle, buffer, buffer.Length, 0);
        return read > 0 ? Encoding.UTF8.GetString(buffer, 0, (int)read).Trim() : string.Empty;
    }

    private static bool HolderAlive(string holder)
    {
        foreach (string part in holder.Split(' '))
        {
            if (part.StartsWith("pid=", StringComparison.Ordinal) && int.TryParse(part[4..], NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                return Directory.Exists($"/proc/{pid}");
            }
        }

        return false;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int flock(int fd, int operation);

    [DllImport("libc", SetLastError = true)]
    private static extern int ftruncate(int fd, long length);

    [DllImport("libc", SetLastError = true)]
    private static extern nint pread(int fd, byte[] buffer, nint count, long offset);

    [DllImport("libc", SetLastError = true)]
    private static extern nint pwrite(int fd, byte[] buffer, nint count, long offset);

    [DllImport("libc")]
    private static extern uint geteuid();
}

/// <summary>Another session holds the lock.</summary>
public sealed class SessionLockedException(string lockPath, string hostname, string holder)
    : Output.DiskToolsException(
        "SyncSessionLocked",
        Output.ErrorKind.ResourceUnavailable,
        $"Another sync session is running on {hostname} (lock {lockPath}{(holder.Length > 0 ? ", held by " + holder : "")}). Wait for it to finish.",
        hostname)
{
    public string LockPath { get; } = lockPath;

    public string Holder { get; } = holder;
}
