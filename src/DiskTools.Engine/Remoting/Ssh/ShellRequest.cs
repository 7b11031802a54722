namespace DiskTools.Engine.Remoting.Ssh;

/// <summary>
/// A command running through the host's <see cref="SshControlShell"/>: its exit status and whole output
/// arrive together when it ends. The shell knows its process group on the host, so it is ended by its id.
/// </summary>
internal sealed class ShellRequest : IRunningCommand
{
    private readonly SshControlShell shell;
    private readonly int id;
    private readonly string target;
    private readonly TaskCompletionSource<CommandResult> result = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal ShellRequest(SshControlShell shell, int id, CommandLine command, string target)
    {
        this.shell = shell;
        this.id = id;
        this.target = target;
        Command = command;
    }

    public CommandLine Command { get; }

    internal int Id => id;

    /// <summary>Not known here: the shell on the host holds it and signals the group by the request's id.</summary>
    public int ProcessGroupId => 0;

    public async IAsyncEnumerable<OutputLine> ReadLinesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        CommandResult done = await result.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        foreach (string line in Lines(done.StandardOutput))
        {
            yield return new OutputLine(OutputStream.StandardOutput, line);
        }

        foreach (string line in Lines(done.StandardError))
        {
            yield return new OutputLine(OutputStream.StandardError, line);
        }
    }

    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        try
        {
            return (await result.Task.WaitAsync(cancellationToken).ConfigureAwait(false)).ExitCode;
        }
        catch (IOException e)
        {
            // The shell (and with it the connection, usually) ended while the command ran: no exit status.
            throw new DiskToolsException(ErrorIds.SshConnectionLost, ErrorKind.ConnectionError,
                $"The connection to {target} closed before '{Command}' finished.", target, e);
        }
    }

    public async Task<(string Stdout, string Stderr)> CollectedOutputAsync()
    {
        CommandResult done = await result.Task.ConfigureAwait(false);
        return (done.StandardOutput, done.StandardError);
    }

    public async Task TerminateAsync(TimeSpan gracePeriod, CancellationToken cancellationToken)
    {
        if (result.Task.IsCompleted)
        {
            return;
        }

        try
        {
            await shell.KillAsync(id, gracePeriod, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The shell is gone, and it ended its requests as it went.
            return;
        }

        // Its answer comes once the group is gone.
        Task answered = result.Task;
        await answered.WaitAsync(gracePeriod + TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public ValueTask DisposeAsync()
    {
        shell.Forget(id);
        return ValueTask.CompletedTask;
    }

    internal void Complete(int status, string stdout, string stderr) => result.TrySetResult(new CommandResult(status, stdout, stderr));

    internal void Fail(IOException error) => result.TrySetException(error);

    private static IEnumerable<string> Lines(string text)
        => text.Length == 0 ? [] : text.TrimEnd('\n').Split('\n');
}
