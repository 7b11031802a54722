namespace DiskTools.Engine.Remoting;

/// <summary>
/// The one way a started command is run to completion for <see cref="ICommandExecutor.RunAsync"/>, local or
/// remote: wait under the timeout, and on timeout or cancellation end the command's whole process tree
/// before reporting, so nothing outlives the call.
/// </summary>
internal static class CommandCompletion
{
    private static readonly TimeSpan TerminateGrace = TimeSpan.FromSeconds(2);

    public static async Task<CommandResult> AwaitResultAsync(
        IRunningCommand process,
        Func<Task<(string Stdout, string Stderr)>> collectOutput,
        TimeSpan? timeout,
        string target,
        CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout ?? Timeout.InfiniteTimeSpan);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            int exitCode = await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
            (string stdout, string stderr) = await collectOutput().ConfigureAwait(false);
            return new CommandResult(exitCode, stdout, stderr);
        }
        catch (OperationCanceledException)
        {
            await process.TerminateAsync(TerminateGrace, CancellationToken.None).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            throw ExecutorErrors.TimedOut(process.Command, timeout!.Value, target);
        }
    }
}
