using DiskTools.Engine.Sync.Safety;

namespace DiskTools.Engine.Sync.Jobs;

/// <summary>
/// What holds a started rsync back until the session lets it reach the target. rsync's remote shell
/// (<see cref="RsyncTransport.GatedRemoteShell"/>) logs in at once, but sends the one line the target's shell
/// waits for before it becomes rsync's server only after taking a shared flock on this file and finding "go"
/// in it. This process holds the exclusive flock from creation until <see cref="Open"/> (after writing "go")
/// or <see cref="Dispose"/> (without). The kernel drops the lock when this process dies, however it dies, so
/// a session killed while its rsync waits leaves a gate with no "go": the line is never sent, the target's
/// shell reads end-of-file and ends, and no rsync server ever starts there.
/// </summary>
public sealed class RsyncStartGate : IDisposable
{
    private int fd;

    private RsyncStartGate(string path, int fd)
    {
        Path = path;
        this.fd = fd;
    }

    /// <summary>The gate file, in the transport's private directory.</summary>
    public string Path { get; }

    /// <summary>Creates the gate file (this user's, mode 0600, refused if anything is already there) closed.</summary>
    /// <exception cref="DiskToolsException">SyncTransportUnavailable: the file cannot be created or locked.</exception>
    public static RsyncStartGate Create(string path)
    {
        int handle = PosixFiles.Open(path, PosixFiles.ReadWrite | PosixFiles.Create | PosixFiles.Exclusive | PosixFiles.NoFollow | PosixFiles.CloseOnExec,
            0b110_000_000, out int errno);
        if (handle < 0)
        {
            throw Failed(path, $"cannot create it (errno {errno})");
        }

        if (PosixFiles.TryLockExclusive(handle) is int lockErrno and not 0)
        {
            PosixFiles.Close(handle);
            throw Failed(path, $"cannot lock it (errno {lockErrno})");
        }

        return new RsyncStartGate(path, handle);
    }

    /// <summary>Lets the rsync through: "go" is written before the lock is released, so the waiting side reads it once it holds the lock.</summary>
    /// <exception cref="DiskToolsException">SyncTransportUnavailable: "go" could not be written (the gate stays shut).</exception>
    public void Open() => Release(go: true);

    /// <summary>Shuts the gate for good if it was never opened; the file itself goes with the transport's directory.</summary>
    public void Dispose() => Release(go: false);

    private void Release(bool go)
    {
        int handle = Interlocked.Exchange(ref fd, -1);
        ObjectDisposedException.ThrowIf(handle < 0 && go, this);
        if (handle < 0)
        {
            return;
        }

        bool said = !go || PosixFiles.WriteAll(handle, "go\n"u8.ToArray());
        // Closing the only descriptor of this open file releases the lock, whatever the file now says.
        PosixFiles.Close(handle);
        if (!said)
        {
            throw Failed(Path, "cannot write to it");
        }
    }

    private static DiskToolsException Failed(string path, string why)
        => new(ErrorIds.SyncTransportUnavailable, ErrorKind.ResourceUnavailable, $"Cannot prepare rsync's start gate '{path}': {why}.", path);
}
