using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace DiskTools.Infrastructure;

/// <summary>
/// Base for cmdlets whose work runs on tasks. The work gets the pipeline's stop token; everything it
/// writes (objects, errors, progress, ShouldProcess questions) goes through a queue that only the pipeline
/// thread drains, because PowerShell allows Write* and ShouldProcess on that thread alone. No step returns
/// while its work runs: when the pipeline stops, a write throws (a terminating error under -ErrorAction Stop,
/// a downstream Select-Object -First that needs no more) or SIGTERM/SIGHUP arrives, the work is cancelled
/// and its cleanup awaited before the step ends.
/// </summary>
public abstract class AsyncPSCmdlet : PSCmdlet, IOutputWriter
{
    private BlockingCollection<Action>? queue;
    private int pipelineThreadId;
    private CancellationToken workToken;

    /// <summary>
    /// Signalled when the pipeline stops (Ctrl+C, PowerShell.Stop), a downstream command needs no more
    /// (Select-Object -First), a write turned terminating (-ErrorAction Stop) or SIGTERM/SIGHUP arrived.
    /// </summary>
    protected CancellationToken StopToken => workToken.CanBeCanceled ? workToken : PipelineStopToken;

    protected virtual Task BeginProcessingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected virtual Task ProcessRecordAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected virtual Task EndProcessingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Runs on the pipeline thread once a step's work has ended, also when the pipeline was stopped, so a
    /// cmdlet can publish state (a session variable) that queued writes could no longer deliver.
    /// </summary>
    protected virtual void OnWorkEnded()
    {
    }

    protected sealed override void BeginProcessing() => Pump(BeginProcessingAsync);

    protected sealed override void ProcessRecord() => Pump(ProcessRecordAsync);

    protected sealed override void EndProcessing() => Pump(EndProcessingAsync);

    void IOutputWriter.WriteObject(object item) => Post(() => WriteObject(item));

    void IOutputWriter.WriteError(OperationError error)
    {
        OperationError refined = Refine(error);
        Post(() => WriteError(ErrorRecords.From(refined)));
    }

    /// <summary>
    /// Gives a cmdlet family one place to turn failures of a shared dependency (the inventory database,
    /// say) into its own errors: applied to every reported error and to the exception that ends the work.
    /// </summary>
    protected virtual OperationError Refine(OperationError error) => error;

    /// <summary>The DiskTools error for an exception that ended the work, or null to let it pass as it is.</summary>
    protected virtual DiskToolsException? Translate(Exception exception) => exception as DiskToolsException;

    void IOutputWriter.WriteWarning(string message) => Post(() => WriteWarning(message));

    void IOutputWriter.WriteVerbose(string message) => Post(() => WriteVerbose(message));

    void IOutputWriter.WriteDebug(string message) => Post(() => WriteDebug(message));

    void IOutputWriter.WriteInformation(string message, params string[] tags) => Post(() => WriteInformation(message, tags));

    void IOutputWriter.WriteProgress(ProgressInfo progress) => Post(() => WriteProgress(ToRecord(progress)));

    bool IOutputWriter.ShouldProcess(string target, string action)
    {
        if (OnPipelineThread)
        {
            return ShouldProcess(target, action);
        }

        var answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!TryPost(() =>
            {
                try
                {
                    answer.TrySetResult(ShouldProcess(target, action));
                }
                catch (Exception e)
                {
                    answer.TrySetException(e);
                }
            }))
        {
            return false;
        }

        return answer.Task.WaitAsync(workToken).GetAwaiter().GetResult();
    }

    async Task IOutputWriter.FlushAsync(CancellationToken cancellationToken)
    {
        if (OnPipelineThread)
        {
            return;
        }

        // Queued behind everything written so far: it runs only if none of that threw on the pipeline thread.
        CancellationToken work = workToken;
        var handled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!TryPost(() => handled.TrySetResult()))
        {
            throw new OperationCanceledException("The pipeline has stopped.", work);
        }

        await handled.Task.WaitAsync(cancellationToken).WaitAsync(work).ConfigureAwait(false);
    }

    /// <summary>Writes a PowerShell error record from any thread.</summary>
    protected void PostError(ErrorRecord record) => Post(() => WriteError(record));

    /// <summary>Runs an action on the pipeline thread (directly when already there).</summary>
    protected void Post(Action action) => TryPost(action);

    private bool OnPipelineThread => Environment.CurrentManagedThreadId == pipelineThreadId;

    private bool TryPost(Action action)
    {
        if (OnPipelineThread)
        {
            action();
            return true;
        }

        BlockingCollection<Action>? current = queue;
        if (current is null)
        {
            return false;
        }

        try
        {
            current.Add(action);
            return true;
        }
        catch (InvalidOperationException)
        {
            // The pump has finished (the pipeline stopped): nothing can be written any more.
            return false;
        }
    }

    private void Pump(Func<CancellationToken, Task> work)
    {
        pipelineThreadId = Environment.CurrentManagedThreadId;

        // The work's token: the pipeline's stop, a termination signal, or the pipeline thread giving up on
        // the work (a terminating error, a downstream Select-Object -First) — the work ends in every case.
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(PipelineStopToken);
        CancellationToken token = cancel.Token;
        workToken = token;
        using var pending = new BlockingCollection<Action>();
        queue = pending;
        ExceptionDispatchInfo? abandoned = null;
        Task task;
        using (TerminationSignals.Enlist(cancel))
        {
            task = Task.Run(
                async () =>
                {
                    try
                    {
                        await work(token).ConfigureAwait(false);
                    }
                    finally
                    {
                        pending.CompleteAdding();
                    }
                },
                CancellationToken.None);

            try
            {
                foreach (Action action in pending.GetConsumingEnumerable(token))
                {
                    action();
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                // Stopping: fall through and let the work observe the token and wind down.
            }
            catch (Exception e)
            {
                // A write threw on the pipeline thread: -ErrorAction Stop turned an error into a terminating
                // one, or the pipeline downstream stopped (StopUpstreamCommandsException, PipelineStoppedException).
                // The cmdlet ends with that exception, but not before its work has ended.
                abandoned = ExceptionDispatchInfo.Capture(e);
                cancel.Cancel();
            }
            finally
            {
                queue = null;
            }

            try
            {
                // The work honours the token, so this wait is short; waiting guarantees nothing the cmdlet
                // started still runs once it returns, however it returns.
                task.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).Wait(CancellationToken.None);
            }
            finally
            {
                try
                {
                    OnWorkEnded();
                }
                finally
                {
                    workToken = CancellationToken.None;
                }
            }
        }

        TerminationSignals.EndProcessIfSignalled();
        abandoned?.Throw();
        try
        {
            task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (Exception e) when (e is not OperationCanceledException && Translate(e) is { } known)
        {
            ThrowTerminatingError(ErrorRecords.From(Refine(known.ToError())));
        }

        if (token.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    private static ProgressRecord ToRecord(ProgressInfo info)
    {
        var record = new ProgressRecord(info.ActivityId, info.Activity, string.IsNullOrEmpty(info.Status) ? " " : info.Status)
        {
            PercentComplete = Math.Clamp(info.PercentComplete, -1, 100),
            ParentActivityId = info.ParentActivityId,
            SecondsRemaining = info.SecondsRemaining,
            RecordType = info.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        };
        if (!string.IsNullOrEmpty(info.CurrentOperation))
        {
            record.CurrentOperation = info.CurrentOperation;
        }

        return record;
    }
}
