namespace DiskTools.Engine.Remoting;

/// <summary>
/// Runs commands on one host — this machine or one reached over SSH — with the same behaviour either way.
/// Commands are non-interactive by design: their stdin is empty and closed. Every process an executor
/// starts runs in a process group of its own, so terminating a command ends everything it started.
/// Thread-safe; several commands may run at once.
/// </summary>
public interface ICommandExecutor : IAsyncDisposable
{
    /// <summary>How this executor names its host in messages and error targets: "localhost" or user@host:port.</summary>
    string Target { get; }

    /// <summary>True when commands run on another machine.</summary>
    bool IsRemote { get; }

    /// <summary>Runs a command to completion and collects its output.</summary>
    /// <param name="command">Program and arguments.</param>
    /// <param name="timeout">When elapsed, the command and everything it started are killed and <see cref="TimeoutException"/> is thrown; null waits forever.</param>
    /// <param name="cancellationToken">Cancels: kills the command's process group and throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The exit code and output; a non-zero exit is not an exception.</returns>
    Task<CommandResult> RunAsync(CommandLine command, TimeSpan? timeout, CancellationToken cancellationToken);

    /// <summary>
    /// Runs a short command whose output does not matter — a signal, a clean-up — as promptly as the host
    /// allows (over SSH, without starting a login shell for it) and returns its exit status. Only for
    /// commands that may safely run twice: one whose answer is lost with the shell is run again on a
    /// channel of its own.
    /// </summary>
    Task<int> RunUrgentAsync(CommandLine command, CancellationToken cancellationToken);

    /// <summary>Starts a long-running command whose output is read line by line as it comes.</summary>
    Task<IRunningCommand> StartAsync(CommandLine command, CancellationToken cancellationToken);

    /// <summary>Terminates every command this executor started that is still running (SIGTERM, then SIGKILL after <paramref name="gracePeriod"/>).</summary>
    Task TerminateAllAsync(TimeSpan gracePeriod, CancellationToken cancellationToken);

    /// <summary>Copies a local file to the host (overwrites).</summary>
    Task SendFileAsync(string localPath, string hostPath, CancellationToken cancellationToken);

    /// <summary>Copies a file from the host to a local path (overwrites).</summary>
    Task FetchFileAsync(string hostPath, string localPath, CancellationToken cancellationToken);

    /// <summary>The host's real name (what <c>uname -n</c> prints there), never a role like "source" or "target".</summary>
    Task<string> GetHostNameAsync(CancellationToken cancellationToken);
}

/// <summary>A command started with <see cref="ICommandExecutor.StartAsync"/>.</summary>
public interface IRunningCommand : IAsyncDisposable
{
    CommandLine Command { get; }

    /// <summary>The id of the process group leader on its host (local or remote pid); everything the command starts is in that group.</summary>
    int ProcessGroupId { get; }

    /// <summary>
    /// Lines from stdout and stderr in the order they arrived, each tagged with its stream; completes when
    /// both streams end. Read it once; lines are buffered until read.
    /// </summary>
    IAsyncEnumerable<OutputLine> ReadLinesAsync(CancellationToken cancellationToken);

    /// <summary>Waits for the command to exit and returns its exit code.</summary>
    Task<int> WaitForExitAsync(CancellationToken cancellationToken);

    /// <summary>Sends SIGTERM to the whole process group, then SIGKILL to whatever is left after <paramref name="gracePeriod"/>.</summary>
    Task TerminateAsync(TimeSpan gracePeriod, CancellationToken cancellationToken);
}
