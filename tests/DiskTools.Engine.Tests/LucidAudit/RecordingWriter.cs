using System.Collections.Concurrent;
using DiskTools.Engine.Output;

namespace DiskTools.Engine.Tests.LucidAudit;

/// <summary>Collects what engine code reports, as a cmdlet would receive it.</summary>
internal sealed class RecordingWriter : IOutputWriter
{
    public ConcurrentQueue<object> Objects { get; } = new();

    public ConcurrentQueue<OperationError> Errors { get; } = new();

    public ConcurrentQueue<string> Warnings { get; } = new();

    public void WriteObject(object item) => Objects.Enqueue(item);

    public void WriteError(OperationError error) => Errors.Enqueue(error);

    public void WriteWarning(string message) => Warnings.Enqueue(message);

    public void WriteVerbose(string message)
    {
    }

    public void WriteDebug(string message)
    {
    }

    public void WriteInformation(string message, params string[] tags)
    {
    }

    public void WriteProgress(ProgressInfo progress)
    {
    }

    public bool ShouldProcess(string target, string action) => true;
}
