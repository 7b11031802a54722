namespace DiskTools.Engine.Sync.Safety;

/// <summary>
/// One session per host, whatever its role: an exclusive flock(2) on the host's one lock file in this
/// user's <see cref="RuntimeDirectory"/>, taken by a session that uses the host as its source and by one that
/// uses it as its target alike. The kernel drops the lock when the holder dies, so a crash never leaves the
/// host locked; the holder line written into the file (<see cref="LockHolder"/>) only serves messages. The
/// file is opened with open(2) and O_NOFOLLOW and checked (a regular file of this user's with one link)
/// before anything is written to it; its content is never shown as it is.
/// <para>
/// The session's children (rsync and the ssh it starts) each hold a shared flock on a second file beside it,
/// <see cref="ChildrenPath"/>, which they open themselves (flock(1) in front of the program, see
/// <see cref="Remoting.LocalExecutor.SessionChildrenLock"/>). The lock counts as taken while either is held:
/// were the session killed, the next one is refused until the last child is gone, so it never starts while an
/// orphan could still write. The session's own descriptor is close-on-exec at all times, so no other program
/// started in the same process at the same moment (another runspace's tool, a database server) can keep the
/// host locked by inheriting it.
/// </para>
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
        int handle = OpenChecked(path, create: true);
        if (PosixFiles.TryLockExclusive(handle) is int errno and not 0)
        {
            LockHolder? current = LockHolder.TryParse(PosixFiles.ReadPrefix(handle, LockHolder.MaxLength));
            PosixFiles.Close(handle);
            throw errno == PosixFiles.EWOULDBLOCK
                ? new SessionLockedException(path, hostname, current)
                : LockFailed(path, errno);
        }

        LockHolder? stale = LockHolder.TryParse(PosixFiles.ReadPrefix(handle, LockHolder.MaxLength));
        try
        {
            EnsureNoChildStillRuns(path, hostname, stale);
        }
        catch
        {
            // The holder line stays as it was: it still names the session whose child is running.
            PosixFiles.Close(handle);
            throw;
        }

        PosixFiles.Truncate(handle);
        _ = PosixFiles.WriteAll(handle, Encoding.UTF8.GetBytes(holder.Format() + "\n"));
        return new LocalSessionLock(path, handle, stale);
    }

    /// <summary>The file every child of the session holding <paramref name="lockPath"/> holds a shared flock on.</summary>
    public static string ChildrenPath(string lockPath) => lockPath + ".children";

    /// <summary>
    /// Whether the lock is held right now (by any process, or by a child of the session that held it; read from
    /// /proc/locks without taking either) and the holder line the file carries; (false, null) when the file does
    /// not exist or is not a safe lock file.
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
            bool held = PosixFiles.IsFlockHeld(PosixFiles.StatDescriptor(handle)) || ChildStillRuns(ChildrenPath(path));
            return (held, LockHolder.TryParse(PosixFiles.ReadPrefix(handle, LockHolder.MaxLength)));
        }
        finally
        {
            PosixFiles.Close(handle);
        }
    }

    public void Dispose()
    {
        int handle = Interlocked.Exchange(ref fd, -1);
        if (handle >= 0)
        {
            // Empty the file first so a reader never mistakes a released lock for a live holder;
            // closing the descriptor releases the flock.
            PosixFiles.Truncate(handle);
            PosixFiles.Close(handle);
        }
    }

    /// <summary>
    /// Refuses the lock while a child of an earlier session still holds the children's file: its session was
    /// killed (an orderly end waits for every child) and the kernel is ending it, or it ignored that. Taking and
    /// dropping the exclusive lock at once cannot get in a child's way: no new child can start while this
    /// process holds the main lock, and a child of this session starts only once it has returned.
    /// </summary>
    private static void EnsureNoChildStillRuns(string path, string hostname, LockHolder? previous)
    {
        string children = ChildrenPath(path);
        int handle = OpenChecked(children, create: true);
        try
        {
            if (PosixFiles.TryLockExclusive(handle) is int errno and not 0)
            {
                throw errno == PosixFiles.EWOULDBLOCK
                    ? new SessionLockedException(children, hostname, previous, childStillRuns: true)
                    : LockFailed(children, errno);
            }
        }
        finally
        {
            // Closing the only descriptor of this open file drops the exclusive lock taken above.
            PosixFiles.Close(handle);
        }
    }

    private static bool ChildStillRuns(string children)
        => PosixFiles.LinkStat(children) is { IsRegular: true } file && PosixFiles.IsFlockHeld(file);

    private static DiskToolsException LockFailed(string path, int errno)
        => new(ErrorIds.SyncLockFailed, ErrorKind.PermissionDenied, $"Cannot lock '{path}' (errno {errno}).", path);

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
                : new DiskToolsException(ErrorIds.SyncLockFailed, ErrorKind.PermissionDenied, $"Cannot open the lock file '{path}' (errno {errno}).", path);
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
        => new(ErrorIds.SyncRuntimeDirectoryUnsafe, ErrorKind.SecurityError,
            $"Refusing to use the lock file '{path}': {problem}. Remove it; DiskTools creates it again.", path);
}

/// <summary>Another session holds the host's lock, or a program an earlier session started there still runs.</summary>
public sealed class SessionLockedException(string lockPath, string hostname, LockHolder? holder, bool childStillRuns = false)
    : DiskToolsException(
        ErrorIds.SyncSessionLocked,
        ErrorKind.ResourceUnavailable,
        childStillRuns
            ? $"A program started by the sync session that last used {hostname} ("
              + (holder is null ? "its lock file names no holder DiskTools can read" : holder.Describe())
              + $") still runs and holds {lockPath}: that session ended without cleaning up, and the program could still be writing. "
              + "Wait for it to end, or find it with 'fuser -v' on that file."
            : $"Another sync session is running with {hostname} as its source or target: "
              + (holder is null ? "its lock file names no holder DiskTools can read" : holder.Describe())
              + $" holds the lock {lockPath}. A host takes part in one session at a time; wait for that one to finish.",
        hostname)
{
    public string LockPath { get; } = lockPath;

    public LockHolder? Holder { get; } = holder;
}
