using System.Collections.Concurrent;
using DiskTools.Engine.Output;

namespace DiskTools.Engine.Tests;

/// <summary>Collects what engine code reports, as a cmdlet would receive it; says yes to every ShouldProcess.</summary>
public sealed class RecordingWriter : IOutputWriter
{
    public ConcurrentQueue<object> Objects { get; } = new();

    public ConcurrentQueue<OperationError> Errors { get; } = new();

    public ConcurrentQueue<string> Warnings { get; } = new();

    public ConcurrentQueue<string> Verbose { get; } = new();

    public ConcurrentQueue<ProgressInfo> Progress { get; } = new();

    public void WriteObject(object item) => Objects.Enqueue(item);

    public void WriteError(OperationError error) => Errors.Enqueue(error);

    public void WriteWarning(string message) => Warnings.Enqueue(message);

    public void WriteVerbose(string message) => Verbose.Enqueue(message);

    public void WriteDebug(string message)
    {
    }

    public void WriteInformation(string message, params string[] tags)
    {
    }

    public void WriteProgress(ProgressInfo progress) => Progress.Enqueue(progress);

    public bool ShouldProcess(string target, string action) => true;

    /// <summary>Acts as -ErrorAction Stop does: once an error was written, the caller has stopped the work.</summary>
    public bool StopAtFirstError { get; init; }

    public Task FlushAsync(CancellationToken cancellationToken)
        => StopAtFirstError && !Errors.IsEmpty ? Task.FromCanceled(new CancellationToken(canceled: true)) : Task.CompletedTask;
}
