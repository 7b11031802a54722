namespace DiskTools.Engine.Output;

/// <summary>
/// How engine operations report to whoever runs them. The engine never touches PowerShell: the cmdlet
/// layer implements this over a queue that only the pipeline thread drains, so it is safe to call from
/// any thread.
/// </summary>
public interface IOutputWriter
{
    void WriteObject(object item);

    void WriteError(OperationError error);

    void WriteWarning(string message);

    void WriteVerbose(string message);

    void WriteDebug(string message);

    void WriteInformation(string message, params string[] tags);

    void WriteProgress(ProgressInfo progress);

    /// <summary>Asks whether a change may go ahead (honours -WhatIf and -Confirm); blocks until answered.</summary>
    bool ShouldProcess(string target, string action);

    /// <summary>
    /// Completes once everything written so far has been handled — each error as the caller's error
    /// preference says. Awaited before a step that cannot be taken back (a commit): when the caller made an
    /// error terminating (-ErrorAction Stop) or stopped the pipeline, it throws OperationCanceledException
    /// instead, and the step is not taken.
    /// </summary>
    Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
