using DiskTools.Engine.Output;
using DiskTools.Engine.Remoting;

namespace DiskTools.Engine.Sync.Safety;

/// <summary>
/// The target's lock: a process on the target that holds flock(1) on a file under the target user's
/// runtime directory and lives exactly as long as the SSH connection — it polls its parent (the sshd
/// session process) and exits when that is gone, so a dropped connection or a killed client never
/// leaves the target locked. Released on purpose by terminating the process. <see cref="Lost"/>
/// completes if the holder ends while the session still relies on it.
/// </summary>
public sealed class RemoteSessionLock : IAsyncDisposable
{
    public const int BusyExitCode = 75;

    // $1: lock file name; $2: what to write as holder. Prints [STALE <previous holder>] then LOCKED <path> once held.
    // The holder text is cleared on every orderly exit, so text found by the next holder means a holder that
    // was killed outright (SIGKILL, power loss): that is what "stale" reports.
    private const string Script = """
        d=${XDG_RUNTIME_DIR:-}
        if [ -n "$d" ] && [ -d "$d" ]; then d="$d/disktools"
        elif [ -d "/run/user/$(id -u)" ]; then d="/run/user/$(id -u)/disktools"
        else d="/tmp/disktools-$(id -u)"; fi
        mkdir -p "$d" || exit 70
        f="$d/$1"
        exec 9<>"$f" || exit 70
        if ! flock -n 9; then echo BUSY; cat "$f"; exit 75; fi
        old=$(cat "$f")
        printf '%s\n' "$2" > "$f"
        trap ': > "$f"; exit 0' TERM HUP INT
        [ -n "$old" ] && echo "STALE $old"
        echo "LOCKED $f"
        p=$PPID
        while kill -0 "$p" 2>/dev/null; do sleep 1; done
        : > "$f"
        """;

    private readonly IRunningCommand holder;
    private readonly Task<int> exited;
    private int released;

    private RemoteSessionLock(IRunningCommand holder, string path, string? staleHolder)
    {
        this.holder = holder;
        Path = path;
        StaleHolder = staleHolder;
        exited = holder.WaitForExitAsync(CancellationToken.None);
        Lost = exited.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    public string Path { get; }

    public string? StaleHolder { get; }

    /// <summary>Completes when the holding process ends (connection lost, or released).</summary>
    public Task Lost { get; }

    public bool IsReleased => Volatile.Read(ref released) != 0;

    public static async Task<RemoteSessionLock> AcquireAsync(ICommandExecutor target, string hostname, string fileName, string holderText, CancellationToken cancellationToken)
    {
        IRunningCommand holder = await target.StartAsync(CommandLine.ShellScript(Script, fileName, holderText), cancellationToken).ConfigureAwait(false);
        try
        {
            var said = new List<string>();
            string? stale = null;
            await using IAsyncEnumerator<OutputLine> lines = holder.ReadLinesAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
            while (await lines.MoveNextAsync().ConfigureAwait(false))
            {
                OutputLine line = lines.Current;
                if (line.Stream == OutputStream.StandardOutput && line.Text.StartsWith("STALE ", StringComparison.Ordinal))
                {
                    stale = line.Text[6..];
                    continue;
                }

                if (line.Stream == OutputStream.StandardOutput && line.Text.StartsWith("LOCKED ", StringComparison.Ordinal))
                {
                    return new RemoteSessionLock(holder, line.Text[7..], stale);
                }

                said.Add(line.Text);
            }

            int exit = await holder.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            string detail = string.Join(" ", said.Where(s => s != "BUSY")).Trim();
            if (exit == BusyExitCode)
            {
                throw new SessionLockedException($"{hostname}:{fileName}", hostname, detail);
            }

            throw new DiskToolsException("SyncLockFailed", exit == CommandResult.CommandNotFound ? ErrorKind.NotInstalled : ErrorKind.ResourceUnavailable,
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
