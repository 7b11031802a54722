namespace DiskTools.Engine.Remoting;

/// <summary>A local process started by <see cref="LocalExecutor"/>, leader of its own process group.</summary>
internal sealed class LocalRunningCommand : IRunningCommand
{
    private readonly Process process;
    private readonly bool isGroupLeader;
    private readonly Action<LocalRunningCommand> onDisposed;
    private readonly LineChannel lines = new(readerRunsOnPump: true);
    private readonly Task pumps;
    private readonly Task<string>? wholeStdout;
    private readonly Task<string>? wholeStderr;
    private int disposed;

    public LocalRunningCommand(CommandLine command, Process process, bool isGroupLeader, bool collectWholeStreams, Action<LocalRunningCommand> onDisposed)
    {
        Command = command;
        this.process = process;
        this.isGroupLeader = isGroupLeader;
        this.onDisposed = onDisposed;
        ProcessGroupId = process.Id;
        if (collectWholeStreams)
        {
            wholeStdout = process.StandardOutput.ReadToEndAsync();
            wholeStderr = process.StandardError.ReadToEndAsync();
            pumps = Task.WhenAll(wholeStdout, wholeStderr);
        }
        else
        {
            // Blocking reads on two threads of their own: an asynchronous read of a pipe goes through the socket
            // engine and a pool thread for every chunk, which a command printing thousands of lines pays for.
            pumps = Task.WhenAll(
                lines.PumpBlocking(process.StandardOutput.BaseStream, OutputStream.StandardOutput),
                lines.PumpBlocking(process.StandardError.BaseStream, OutputStream.StandardError));
        }
    }

    public CommandLine Command { get; }

    public int ProcessGroupId { get; }

    public IAsyncEnumerable<OutputLine> ReadLinesAsync(CancellationToken cancellationToken) => lines.ReadAllAsync(cancellationToken);

    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return process.ExitCode;
    }

    public async Task<(string Stdout, string Stderr)> CollectedOutputAsync()
    {
        // The leader has exited, but a child it left behind may still hold the pipes open; don't wait for it forever.
        await Task.WhenAny(pumps, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        return (Completed(wholeStdout), Completed(wholeStderr));
    }

    public async Task TerminateAsync(TimeSpan gracePeriod, CancellationToken cancellationToken)
    {
        if (!Signal(ProcessSignals.SigTerm))
        {
            return;
        }

        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < gracePeriod && Alive())
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
        }

        Signal(ProcessSignals.SigKill);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        onDisposed(this);
        await Task.WhenAny(pumps, Task.Delay(TimeSpan.FromSeconds(1))).ConfigureAwait(false);
        process.Dispose();
    }

    private static string Completed(Task<string>? task) => task is { IsCompletedSuccessfully: true } ? task.Result : string.Empty;

    private bool Alive() => isGroupLeader ? ProcessSignals.GroupExists(ProcessGroupId) : !process.HasExited;

    private bool Signal(int signal)
    {
        if (isGroupLeader && ProcessSignals.SignalGroup(ProcessGroupId, signal))
        {
            return true;
        }

        // No group (yet, or setsid is missing): fall back to the process and its descendants.
        try
        {
            if (process.HasExited)
            {
                return false;
            }

            if (signal == ProcessSignals.SigKill || !isGroupLeader)
            {
                process.Kill(entireProcessTree: true);
            }

            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
