using System.Collections.Concurrent;
using System.Management.Automation;
using DiskTools.Engine.Output;

namespace DiskTools.Infrastructure;

/// <summary>
/// Base for cmdlets whose work runs on tasks. The work gets the pipeline's stop token; everything it
/// writes (objects, errors, progress, ShouldProcess questions) goes through a queue that only the pipeline
/// thread drains, because PowerShell allows Write* and ShouldProcess on that thread alone.
/// </summary>
public abstract class AsyncPSCmdlet : PSCmdlet, IOutputWriter
{
    private BlockingCollection<Action>? queue;
    private int pipelineThreadId;

    /// <summary>Signalled when the pipeline stops (Ctrl+C, PowerShell.Stop, a downstream Select -First).</summary>
    protected CancellationToken StopToken => PipelineStopToken;

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

    void IOutputWriter.WriteError(OperationError error) => Post(() => WriteError(ErrorRecords.From(error)));

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

        return answer.Task.WaitAsync(PipelineStopToken).GetAwaiter().GetResult();
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
        CancellationToken stop = PipelineStopToken;
        pipelineThreadId = Environment.CurrentManagedThreadId;
        using var pending = new BlockingCollection<Action>();
        queue = pending;

        Task task = Task.Run(
            async () =>
            {
                try
                {
                    await work(stop).ConfigureAwait(false);
                }
                finally
                {
                    pending.CompleteAdding();
                }
            },
            CancellationToken.None);

        try
        {
            foreach (Action action in pending.GetConsumingEnumerable(stop))
            {
                action();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping: fall through and let the work observe the token and wind down.
        }
        finally
        {
            queue = null;
        }

        try
        {
            // The work honours the stop token, so this wait is short; waiting guarantees nothing the
            // cmdlet started is still running once the pipeline has stopped.
            try
            {
                task.GetAwaiter().GetResult();
            }
            finally
            {
                OnWorkEnded();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (DiskToolsException known)
        {
            ThrowTerminatingError(ErrorRecords.From(known.ToError()));
        }

        if (stop.IsCancellationRequested)
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
