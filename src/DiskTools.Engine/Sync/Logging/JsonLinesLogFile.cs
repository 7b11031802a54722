namespace DiskTools.Engine.Sync.Logging;

/// <summary>
/// The session's log file: every log event at or above the file threshold (and every session record)
/// as one JSON line. Each line is flushed as written, so the file is complete up to the moment a
/// session dies, and a concurrent reader (Get-SyncSession) never sees half a line.
/// </summary>
public sealed class JsonLinesLogFile : ISyncEventConsumer, IDisposable
{
    private readonly StreamWriter writer;
    private readonly Func<SyncHost, string> hostnames;
    private bool completed;

    public JsonLinesLogFile(string path, LogLevel threshold, Func<SyncHost, string> hostnames)
    {
        Path = path;
        Threshold = threshold;
        this.hostnames = hostnames;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 4096, FileOptions.None);
        writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = false, NewLine = "\n" };
    }

    public string Path { get; }

    /// <summary>May be lowered or raised once the config is loaded (the file opens before that).</summary>
    public LogLevel Threshold { get; set; }

    public void OnEvent(SyncEvent syncEvent)
    {
        if (completed || syncEvent is not LogEvent log || (!log.IsRecord && !log.Level.Passes(Threshold)))
        {
            return;
        }

        writer.WriteLine(JsonLogLine.Render(log, hostnames(log.Host)));
        writer.Flush();
    }

    public void Complete()
    {
        if (!completed)
        {
            completed = true;
            writer.Flush();
            writer.Dispose();
        }
    }

    public void Dispose() => Complete();
}
