namespace DiskTools.Engine.Sync.Logging;

/// <summary>Which side of a session an event concerns; consumers turn it into the real hostname.</summary>
public enum SyncHost
{
    Source,
    Target,
}

/// <summary>Anything that travels over a session's event bus.</summary>
public abstract record SyncEvent(DateTimeOffset Timestamp);

/// <summary>
/// A log message. <paramref name="Context"/> holds structured fields that the JSON log merges into the top
/// level of the line. <paramref name="IsRecord"/> marks the session's own records (start, job results,
/// snapshots, end): they are written to the file whatever its threshold, because Get-SyncSession rebuilds
/// sessions from them. <paramref name="Error"/> is the exception behind an ERROR or CRITICAL event, so the
/// console consumer can report it with its own error id.
/// </summary>
public sealed record LogEvent(
    DateTimeOffset Timestamp,
    LogLevel Level,
    string Job,
    SyncHost Host,
    string Message,
    IReadOnlyDictionary<string, object?> Context,
    bool IsRecord = false,
    Exception? Error = null) : SyncEvent(Timestamp);

/// <summary>
/// How far a job has got. Any combination may be known; <paramref name="Heartbeat"/> alone means
/// "still working, nothing measurable".
/// </summary>
public sealed record ProgressUpdate(
    int? Percent = null,
    long? Current = null,
    long? Total = null,
    string? Item = null,
    bool Heartbeat = false)
{
    public static ProgressUpdate Beat(string? item = null) => new(Item: item, Heartbeat: true);

    /// <summary>"45%", "45/100", "45 items", or "working" — the status line a console shows.</summary>
    public string Describe()
    {
        var parts = new List<string>(2);
        if (Current is long current)
        {
            parts.Add(Total is long total ? $"{current:N0}/{total:N0}" : $"{current:N0} items");
        }

        if (Percent is int percent)
        {
            parts.Add($"{percent}%");
        }

        return parts.Count == 0 ? "working" : string.Join(", ", parts);
    }
}

/// <summary>A job's progress (the orchestrator reports itself as job "orchestrator").</summary>
public sealed record ProgressEvent(DateTimeOffset Timestamp, string Job, ProgressUpdate Update, bool Completed = false)
    : SyncEvent(Timestamp);

/// <summary>The config is loaded: consumers that depend on its settings (log thresholds) adjust to it.</summary>
public sealed record SessionConfiguredEvent(DateTimeOffset Timestamp, Config.SyncConfig Config) : SyncEvent(Timestamp);
