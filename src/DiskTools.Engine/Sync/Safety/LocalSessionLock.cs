namespace DiskTools.Engine.Sync.Safety;

/// <summary>
/// One session per host, whatever its role: an exclusive flock(2) on the host's one lock file in this
/// user's <see cref="RuntimeDirectory"/>, taken by a session that uses the host as its source and by one that
/// uses it as its target alike. The kernel drops the lock when the holder dies, so a crash never leaves the
/// host locked; the holder line written into the file (<see cref="LockHolder"/>) only serves messages. The
/// file is opened with open(2) and O_NOFOLLOW and checked (a regular file of this user's with one link)
/// before anything is written to it; its content is never shown as it is.
/// </summary>
public sealed class LocalSessionLock : IDisposable
{
    private int fd;

    private LocalSessionLock(string path, int fd, LockHolder? staleHolder)
    {
        Path = path;
        this.fd = fd;
        StaleHolder = staleHolder;
    }

    public string Path { get; }

    /// <summary>
    /// Who a dead previous holder was, when its holder line was still there: every orderly release empties
    /// the file, so a line the next holder finds was left by a session that was killed.
    /// </summary>
    public LockHolder? StaleHolder { get; }

    /// <summary>Where this user's lock lives (see <see cref="RuntimeDirectory.Default"/>).</summary>
    public static string DefaultDirectory => RuntimeDirectory.Default;

    /// <summary>Takes the lock or throws <see cref="SessionLockedException"/> naming the holder.</summary>
    /// <param name="path">The lock file; its directory is created and checked (<see cref="RuntimeDirectory.Ensure"/>).</param>
    /// <param name="holder">What to write as holder.</param>
    /// <param name="hostname">The host the lock stands for, for messages.</param>
    public static LocalSessionLock Acquire(string path, LockHolder holder, string hostname)
    {
        RuntimeDirectory.Ensure(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        // Every child the session starts (rsync, ssh) inherits the descriptor, so the flock stays held until
        // the last of them has exited: were this process killed, the lock is not free while an orphan could
        // still write (the children's parent-death signal ends them). Only those children: the descriptor is
        // close-on-exec, and the session's executor hands it to the children it starts (see ChildSpawner).
        int handle = OpenChecked(path, create: true);
        if (PosixFiles.TryLockExclusive(handle) is int errno and not 0)
        {
            LockHolder? current = LockHolder.TryParse(PosixFiles.ReadPrefix(handle, LockHolder.MaxLength));
            PosixFiles.Close(handle);
            throw errno == PosixFiles.EWOULDBLOCK
                ? new SessionLockedException(path, hostname, current)
                : new DiskToolsException("SyncLockFailed", ErrorKind.PermissionDenied, $"Cannot lock '{path}' (errno {errno}).", path);
        }

        LockHolder? stale = LockHolder.TryParse(PosixFiles.ReadPrefix(handle, LockHolder.MaxLength));
        PosixFiles.Truncate(handle);
        _ = PosixFiles.WriteAll(handle, Encoding.UTF8.GetBytes(holder.Format() + "\n"));
        return new LocalSessionLock(path, handle, stale);
    }

    /// <summary>
    /// Whether the lock is held right now (by any process, read from /proc/locks without taking it) and the
    /// holder line the file carries; (false, null) when the file does not exist or is not a safe lock file.
    /// </summary>
    public static (bool Held, LockHolder? Holder) Probe(string path)
    {
        int handle;
        try
        {
            if (PosixFiles.LinkStat(path) is null)
            {
                return (false, null);
            }

            handle = OpenChecked(path, create: false);
        }
        catch (DiskToolsException)
        {
            return (false, null);
        }

        try
        {
            bool held = PosixFiles.IsFlockHeld(PosixFiles.StatDescriptor(handle));
            return (held, LockHolder.TryParse(PosixFiles.ReadPrefix(handle, LockHolder.MaxLength)));
        }
        finally
        {
            PosixFiles.Close(handle);
        }
    }

    /// <summary>The lock's descriptor, for the session's own children to inherit (-1 once released).</summary>
    internal int Descriptor => Volatile.Read(ref fd);

    public void Dispose()
    {
        int handle = Interlocked.Exchange(ref fd, -1);
        if (handle >= 0)
        {
            // Empty the file first so a reader never mistakes a released lock for a live holder;
            // closing the descriptor releases the flock (once no child holds it any more).
            PosixFiles.Truncate(handle);
            Remoting.ChildSpawner.Close(() => PosixFiles.Close(handle));
        }
    }

    /// <summary>Opens without following a symbolic link or blocking on a FIFO, and refuses anything but this user's own regular file.</summary>
    private static int OpenChecked(string path, bool create)
    {
        int flags = (create ? PosixFiles.ReadWrite | PosixFiles.Create : PosixFiles.ReadOnly) | PosixFiles.NoFollow | PosixFiles.NonBlocking
            | PosixFiles.CloseOnExec;
        int handle = PosixFiles.Open(path, flags, Convert.ToInt32("600", 8), out int errno);
        if (handle < 0)
        {
            throw errno == PosixFiles.ELOOP
                ? Unsafe(path, "it is a symbolic link")
                : new DiskToolsException("SyncLockFailed", ErrorKind.PermissionDenied, $"Cannot open the lock file '{path}' (errno {errno}).", path);
        }

        PosixStat file = PosixFiles.StatDescriptor(handle);
        string? problem = !file.IsRegular ? $"it is {file.TypeName}"
            : file.Uid != PosixFiles.EffectiveUserId ? $"it belongs to uid {file.Uid}"
            : file.Links != 1 ? $"it has {file.Links} hard links"
            : null;
        if (problem is not null)
        {
            PosixFiles.Close(handle);
            throw Unsafe(path, problem);
        }

        return handle;
    }

    private static DiskToolsException Unsafe(string path, string problem)
        => new(RuntimeDirectory.UnsafeErrorId, ErrorKind.SecurityError,
            $"Refusing to use the lock file '{path}': {problem}. Remove it; DiskTools creates it again.", path);
}

/// <summary>Another session holds the host's lock.</summary>
public sealed class SessionLockedException(string lockPath, string hostname, LockHolder? holder)
    : DiskToolsException(
        "SyncSessionLocked",
        ErrorKind.ResourceUnavailable,
        $"Another sync session is running with {hostname} as its source or target: "
        + (holder is null ? "its lock file names no holder DiskTools can read" : holder.Describe())
        + $" holds the lock {lockPath}. A host takes part in one session at a time; wait for that one to finish.",
        hostname)
{
    public string LockPath { get; } = lockPath;

    public LockHolder? Holder { get; } = holder;
}
