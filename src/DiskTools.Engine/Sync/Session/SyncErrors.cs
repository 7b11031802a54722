using DiskTools.Engine.Sync.Jobs;

namespace DiskTools.Engine.Sync.Session;

/// <summary>Phase 3 found that the live hosts do not allow the session; carries every finding.</summary>
public sealed class SyncValidationException(IReadOnlyList<ValidationProblem> problems)
    : DiskToolsException(ErrorIds.SyncValidationFailed, ErrorKind.InvalidOperation,
        $"{problems.Count} problem{(problems.Count == 1 ? "" : "s")} found before anything was changed:" + Environment.NewLine
        + string.Join(Environment.NewLine, problems.Select(p => "  " + p)),
        problems.Count > 0 ? problems[0].Hostname : null)
{
    public IReadOnlyList<ValidationProblem> Problems { get; } = problems;
}

/// <summary>Every job returned, but errors were logged on the way, so the session does not count as clean.</summary>
public sealed class SyncErrorsLoggedException(int count)
    : DiskToolsException(ErrorIds.SyncErrorsLogged, ErrorKind.InvalidOperation,
        $"{count} error{(count == 1 ? " was" : "s were")} logged during the session; see the log file.")
{
    public int Count { get; } = count;
}
