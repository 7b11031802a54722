using DiskTools.Engine.Remoting;

namespace DiskTools.Engine.Sync.Safety;

/// <summary>
/// The target's lock: the same lock file <see cref="LocalSessionLock"/> takes on a session's source, in the
/// target user's <see cref="RuntimeDirectory"/> (created and checked there by the same rules), so a host is in
/// one session at a time whatever its role. A process on the target holds flock(1) on it and lives exactly as
/// long as the SSH connection — it polls its parent (the sshd session process) and exits when that is gone,
/// so a dropped connection or a killed client never leaves the target locked. Released on purpose by
/// terminating the process. <see cref="Lost"/> completes if the holder ends while the session still relies on it.
/// </summary>
public sealed class RemoteSessionLock : IAsyncDisposable
{
    public const int BusyExitCode = 75;
    public const int UnsafeExitCode = 71;

    // $1: lock file name; $2: the holder line. Prints [STALE <previous holder line>] then LOCKED <path> once held.
    // The holder line is cleared on every orderly exit, so a line found by the next holder means a holder that
    // was killed outright (SIGKILL, power loss): that is what "stale" reports. The directory is checked
    // (RuntimeDirectory.ShellScript) and nobody else can write to it; a lock file that is a symbolic link or
    // not a regular file of this user's is refused even so. Lock file content reaches the client only as one
    // bounded line, which is parsed there and never shown as it is. Once LOCKED is said, the holder's output goes
    // nowhere: after a lost connection its channel is gone, and a write there ("Terminated", which sh prints when
    // the sleep it waits for is killed) would kill it by SIGPIPE before its trap ran, leaving its line behind.
    // The lock is only let go once no rsync server runs on the host any more: a server outlives its client by a
    // moment after the client is killed (it stops only at end of input, and not at all while stuck), so the next
    // session could otherwise take the lock while one still writes. The servers' pid files in $d name their
    // process groups (the login shell that wrote the pid execs rsync, as leader of the group sshd made for it);
    // whatever of them still runs (a zombie does not) is sent SIGTERM, then SIGKILL a second later, and their pid
    // files go before the lock file is cleared and the lock released. All within the watcher's two seconds.
    internal const string Script = RuntimeDirectory.ShellScript + """

        f="$d/$1"
        [ -L "$f" ] && { echo "UNSAFE $f is a symbolic link"; exit 71; }
        if [ -e "$f" ]; then
            [ -f "$f" ] || { echo "UNSAFE $f is not a regular file"; exit 71; }
            [ "$(stat -c %u:%h "$f")" = "$u:1" ] || { echo "UNSAFE $f is not this user's own file"; exit 71; }
        fi
        exec 9<>"$f" || exit 70
        if ! flock -n 9; then echo BUSY; printf 'HOLDER %s\n' "$(head -c 400 "$f" | head -n 1)"; exit 75; fi
        old=$(head -c 400 "$f" | head -n 1)
        printf '%s\n' "$2" > "$f"
        live() {
            read -r st 2>/dev/null < "/proc/$1/stat" || return 1
            n=${st#*(}; n=${n%)*}
            set -- "$2" ${st##*) }
            [ "$n" = rsync ] && [ "$2" != Z ] && [ "$4" = "$1" ]
        }
        servers() {
            for pf in "$d"/rsync-*.pid; do
                [ -f "$pf" ] || continue
                read -r g 2>/dev/null < "$pf" || continue
                case $g in ''|*[!0-9]*) continue;; esac
                kill -s 0 -- "-$g" 2>/dev/null || continue
                if live "$g" "$g"; then echo "$g"; continue; fi
                for sf in /proc/[0-9]*; do live "${sf#/proc/}" "$g" && { echo "$g"; break; }; done
            done
        }
        release() {
            trap '' TERM HUP INT
            gs=$(servers)
            if [ -n "$gs" ]; then
                for g in $gs; do kill -s TERM -- "-$g" 2>/dev/null; done
                i=0
                while [ "$i" -lt 10 ] && [ -n "$(servers)" ]; do sleep 0.1; i=$((i+1)); done
                for g in $(servers); do kill -s KILL -- "-$g" 2>/dev/null; done
            fi
            rm -f "$d"/rsync-*.pid
            : > "$f"
        }
        trap 'release; exit 0' TERM HUP INT
        [ -n "$old" ] && printf 'STALE %s\n' "$old"
        echo "LOCKED $f"
        exec >/dev/null 2>&1
        p=$PPID
        while kill -0 "$p" 2>/dev/null; do sleep 1; done
        release
        """;

    private readonly IRunningCommand holder;
    private readonly Task<int> exited;
    private int released;

    private RemoteSessionLock(IRunningCommand holder, string path, LockHolder? staleHolder)
    {
        this.holder = holder;
        Path = path;
        StaleHolder = staleHolder;
        exited = holder.WaitForExitAsync(CancellationToken.None);
        Lost = exited.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    public string Path { get; }

    public LockHolder? StaleHolder { get; }

    /// <summary>The target's runtime directory (where the lock is), for the session's other private files there.</summary>
    public string PrivateDirectory => Path[..Math.Max(1, Path.LastIndexOf('/'))];

    /// <summary>Completes when the holding process ends (connection lost, or released).</summary>
    public Task Lost { get; }

    public bool IsReleased => Volatile.Read(ref released) != 0;

    public static async Task<RemoteSessionLock> AcquireAsync(ICommandExecutor target, string hostname, string fileName, LockHolder holderLine, CancellationToken cancellationToken)
    {
        IRunningCommand holder = await target.StartAsync(CommandLine.ShellScript(Script, fileName, holderLine.Format()), cancellationToken).ConfigureAwait(false);
        try
        {
            var said = new List<string>();
            LockHolder? stale = null;
            LockHolder? current = null;
            string? unsafeReason = null;
            await using IAsyncEnumerator<OutputLine> lines = holder.ReadLinesAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
            while (await lines.MoveNextAsync().ConfigureAwait(false))
            {
                OutputLine line = lines.Current;
                if (line.Stream == OutputStream.StandardOutput && line.Text.StartsWith("STALE ", StringComparison.Ordinal))
                {
                    stale = LockHolder.TryParse(line.Text[6..]);
                    continue;
                }

                if (line.Stream == OutputStream.StandardOutput && line.Text.StartsWith("HOLDER ", StringComparison.Ordinal))
                {
                    current = LockHolder.TryParse(line.Text[7..]);
                    continue;
                }

                if (line.Stream == OutputStream.StandardOutput && line.Text.StartsWith("UNSAFE ", StringComparison.Ordinal))
                {
                    unsafeReason = line.Text[7..];
                    continue;
                }

                if (line.Stream == OutputStream.StandardOutput && line.Text.StartsWith("LOCKED ", StringComparison.Ordinal))
                {
                    return new RemoteSessionLock(holder, line.Text[7..], stale);
                }

                said.Add(line.Text);
            }

            int exit = await holder.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            string detail = TerminalText.Escape(string.Join(" ", said.Where(s => s != "BUSY")).Trim());
            if (exit == BusyExitCode)
            {
                throw new SessionLockedException($"{hostname}:{fileName}", hostname, current);
            }

            if (exit == UnsafeExitCode)
            {
                throw new DiskToolsException(ErrorIds.SyncRuntimeDirectoryUnsafe, ErrorKind.SecurityError,
                    $"Refusing to take the session lock on {hostname}: {TerminalText.Escape(unsafeReason ?? "its runtime directory is not private")}. "
                    + "Another user could make DiskTools overwrite or reveal a file of their choosing there. Remove it; DiskTools creates it again with mode 700.",
                    hostname);
            }

            throw new DiskToolsException(ErrorIds.SyncLockFailed, exit == CommandResult.CommandNotFound ? ErrorKind.NotInstalled : ErrorKind.ResourceUnavailable,
                $"Cannot take the sync lock on {hostname} (exit {exit}){(detail.Length > 0 ? ": " + detail : string.Empty)}.", hostname);
        }
        catch
        {
            await TerminateQuietlyAsync(holder, TimeSpan.FromMilliseconds(500)).ConfigureAwait(false);
            await holder.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Releases the lock (ends the holder) within about <paramref name="timeout"/>.</summary>
    public async Task ReleaseAsync(TimeSpan timeout)
    {
        if (Interlocked.Exchange(ref released, 1) != 0)
        {
            return;
        }

        if (!exited.IsCompleted)
        {
            await TerminateQuietlyAsync(holder, timeout).ConfigureAwait(false);
        }

        await holder.DisposeAsync().ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => new(ReleaseAsync(TimeSpan.FromSeconds(1)));

    private static async Task TerminateQuietlyAsync(IRunningCommand holder, TimeSpan timeout)
    {
        try
        {
            using var deadline = new CancellationTokenSource(timeout + TimeSpan.FromSeconds(1));
            await holder.TerminateAsync(TimeSpan.FromTicks(timeout.Ticks / 2), deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or DiskToolsException or ObjectDisposedException or InvalidOperationException or Renci.SshNet.Common.SshException)
        {
            // The connection is gone: the holder dies with it.
        }
    }
}
