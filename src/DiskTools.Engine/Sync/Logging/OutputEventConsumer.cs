using DiskTools.Engine.Sync.Session;

namespace DiskTools.Engine.Sync.Logging;

/// <summary>
/// Carries a session's events to the engine's <see cref="IOutputWriter"/>, the interface every cmdlet reports
/// through (the cmdlet's queue, drained on the pipeline thread), so a session shows as any other operation:
/// DEBUG → Write-Debug, FULL → Write-Verbose, INFO → Write-Information, WARNING → Write-Warning, ERROR and
/// CRITICAL → non-terminating Write-Error with the failure's own error id. The console threshold is the
/// config's log_cli_level, lowered to FULL by -Verbose and to DEBUG by -Debug. Progress: activity 1 for the
/// session, one child per job, throttled by time and closed with Completed records. Everything shown is
/// escaped with <see cref="TerminalText"/> first: messages carry text from the target (hostnames, stderr,
/// rsync's itemized paths) that must not reach the terminal as control sequences.
/// </summary>
internal sealed class OutputEventConsumer(IOutputWriter output, Func<SyncHost, string> hostnames, string activity, LogLevel? requested) : ISyncEventConsumer
{
    private const int SessionActivityId = 1;
    private readonly Dictionary<string, (int Id, ProgressThrottle Throttle, bool Open)> activities = new(StringComparer.Ordinal);
    private LogLevel threshold = Min(LogLevel.Info, requested);

    public void OnEvent(SyncEvent syncEvent)
    {
        switch (syncEvent)
        {
            case SessionConfiguredEvent configured:
                threshold = Min(configured.Config.LogCliLevel, requested);
                break;
            case LogEvent log when log.Level.Passes(threshold):
                Write(log);
                break;
            case ProgressEvent progress:
                Show(progress);
                break;
        }
    }

    public void Complete()
    {
        foreach ((string job, (int id, _, bool open)) in activities.OrderByDescending(a => a.Value.Id))
        {
            if (open)
            {
                output.WriteProgress(new ProgressInfo(id, Title(job), "Done", 100, ParentActivityId: id == SessionActivityId ? -1 : SessionActivityId, Completed: true));
            }
        }

        activities.Clear();
    }

    private static LogLevel Min(LogLevel a, LogLevel? b) => b is LogLevel other && other < a ? other : a;

    private void Write(LogEvent log)
    {
        string text = TerminalText.Escape($"[{hostnames(log.Host)}] {log.Job}: {log.Message}");
        switch (log.Level)
        {
            case LogLevel.Debug:
                output.WriteDebug(text);
                break;
            case LogLevel.Full:
                output.WriteVerbose(text);
                break;
            case LogLevel.Info:
                output.WriteInformation(text, "DiskTools", "Sync", log.Job);
                break;
            case LogLevel.Warning:
                output.WriteWarning(text);
                break;
            default:
                OperationError error = log.Error is DiskToolsException known
                    ? known.ToError()
                    : new OperationError(log.Level == LogLevel.Critical ? ErrorIds.SyncCritical : ErrorIds.SyncError,
                        ErrorKind.InvalidOperation, hostnames(log.Host), log.Error is null ? new InvalidOperationException(text) : new InvalidOperationException(log.Error.Message, log.Error));
                // Multi-line messages (validation findings) keep their lines; every other control character is escaped.
                string shown = TerminalText.EscapeLines(error.Exception.Message);
                output.WriteError(shown == error.Exception.Message ? error : error with { DisplayMessage = shown });
                break;
        }
    }

    private void Show(ProgressEvent progress)
    {
        bool isSession = progress.Job == SyncOrchestrator.OrchestratorJob;
        if (!activities.TryGetValue(progress.Job, out var state))
        {
            if (progress.Completed)
            {
                return;
            }

            state = (isSession ? SessionActivityId : SessionActivityId + 1 + activities.Keys.Count(k => k != SyncOrchestrator.OrchestratorJob),
                new ProgressThrottle(TimeSpan.FromMilliseconds(200), TimeSpan.Zero), false);
        }

        int parent = isSession ? -1 : SessionActivityId;
        if (progress.Completed)
        {
            if (state.Open)
            {
                output.WriteProgress(new ProgressInfo(state.Id, Title(progress.Job), "Done", 100, ParentActivityId: parent, Completed: true));
            }

            activities[progress.Job] = (state.Id, state.Throttle, false);
            return;
        }

        if (!state.Throttle.TryEnter())
        {
            activities[progress.Job] = state;
            return;
        }

        ProgressUpdate update = progress.Update;
        output.WriteProgress(new ProgressInfo(state.Id, Title(progress.Job), TerminalText.Escape(update.Describe()), update.Percent ?? -1,
            update.Item is null ? null : TerminalText.Escape(update.Item), parent));
        activities[progress.Job] = (state.Id, state.Throttle, true);
    }

    private string Title(string job) => job == SyncOrchestrator.OrchestratorJob ? activity : job;
}
