using System.Text.Json;
using DiskTools.Engine.Sync.Logging;
using DiskTools.Engine.Sync.Safety;
using DiskTools.Engine.Sync.Session;

namespace DiskTools.Engine.Sync.History;

/// <summary>
/// Rebuilds past sessions from their JSON-lines logs. Only the session records (session_started,
/// session_hosts, job_result, snapshot, session_finished) are read; they are written whatever the
/// file's log level. A log without session_finished belongs to a session that is still running — the
/// host's lock is held right now and its holder line names that session — or to one whose process died
/// before it could finish, which is Failed: a holder line alone proves nothing, a killed session leaves it.
/// Hostnames and messages are escaped (<see cref="TerminalText"/>): they came from the target.
/// </summary>
public static class SessionHistory
{
    /// <summary>Sessions in <paramref name="directory"/>, newest first, optionally one id and/or the last N.</summary>
    public static IEnumerable<SyncSession> Read(string directory, string? sessionId = null, int? last = null, string? lockDirectory = null)
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }

        var files = new List<(string Path, DateTimeOffset Started, string Id)>();
        foreach (string path in Directory.EnumerateFiles(directory, SessionLogLocation.FilePrefix + "*" + SessionLogLocation.FileExtension))
        {
            if (SessionLogLocation.TryParseFileName(path, out DateTimeOffset started, out string id)
                && (sessionId is null || string.Equals(id, sessionId, StringComparison.OrdinalIgnoreCase)))
            {
                files.Add((path, started, id));
            }
        }

        IEnumerable<(string Path, DateTimeOffset Started, string Id)> ordered = files.OrderByDescending(f => f.Started).ThenByDescending(f => f.Path, StringComparer.Ordinal);
        if (last is int count)
        {
            ordered = ordered.Take(count);
        }

        (bool held, LockHolder? holder) = LocalSessionLock.Probe(Path.Combine(lockDirectory ?? LocalSessionLock.DefaultDirectory, SyncOrchestrator.LockFile));
        string? running = held ? holder?.SessionId : null;
        return ordered.Select(f => ReadFile(f.Path, f.Id, f.Started, running)).ToList();
    }

    /// <param name="runningSessionId">The session that holds the host's lock right now, if any.</param>
    public static SyncSession ReadFile(string path, string sessionId, DateTimeOffset startedAt, string? runningSessionId = null)
    {
        var session = new SyncSession { SessionId = sessionId, StartedAt = startedAt, LogFile = path };
        bool finished = false;
        foreach (string line in ReadLinesShared(path))
        {
            JsonElement root;
            try
            {
                using JsonDocument doc = JsonDocument.Parse(line);
                root = doc.RootElement.Clone();
            }
            catch (JsonException)
            {
                continue; // A torn last line of a killed session.
            }

            switch (Text(root, "record"))
            {
                case "session_started":
                    session.ComputerName = Text(root, "computer_name") ?? string.Empty;
                    session.TargetHostname = session.ComputerName;
                    session.ConfigFile = Text(root, "config_file");
                    session.SourceHostname = Text(root, "source_hostname") ?? Text(root, "host") ?? string.Empty;
                    session.WhatIf = root.TryGetProperty("what_if", out JsonElement w) && w.ValueKind == JsonValueKind.True;
                    break;
                case "session_hosts":
                    session.SourceHostname = Text(root, "source_hostname") ?? session.SourceHostname;
                    session.TargetHostname = Text(root, "target_hostname") ?? session.TargetHostname;
                    break;
                case "job_result":
                    session.JobResults.Add(new SyncJobResult(
                        Text(root, "job_name") ?? string.Empty,
                        Enum.TryParse(Text(root, "status"), out SyncJobStatus status) ? status : SyncJobStatus.Failed,
                        Time(root, "started_at") ?? startedAt,
                        Time(root, "ended_at") ?? startedAt,
                        Text(root, "error_message") is { } jobError ? TerminalText.EscapeLines(jobError) : null));
                    break;
                case "snapshot":
                    session.Snapshots.Add(new SyncSnapshot(
                        Text(root, "host") ?? string.Empty,
                        Enum.TryParse(Text(root, "role"), out SyncHost role) ? role : SyncHost.Source,
                        Text(root, "subvolume") ?? string.Empty,
                        Text(root, "phase") ?? string.Empty,
                        Text(root, "name") ?? string.Empty,
                        Text(root, "path") ?? string.Empty,
                        Time(root, "created_at") ?? startedAt));
                    break;
                case "session_finished":
                    finished = true;
                    session.Status = Enum.TryParse(Text(root, "status"), out SyncSessionState state) ? state : SyncSessionState.Failed;
                    session.EndedAt = Time(root, "ended_at");
                    session.ErrorMessage = Text(root, "error_message");
                    session.SourceHostname = Text(root, "source_hostname") ?? session.SourceHostname;
                    session.TargetHostname = Text(root, "target_hostname") ?? session.TargetHostname;
                    break;
            }
        }

        session.ComputerName = TerminalText.Escape(session.ComputerName);
        session.SourceHostname = TerminalText.Escape(session.SourceHostname);
        session.TargetHostname = TerminalText.Escape(session.TargetHostname);
        session.ErrorMessage = session.ErrorMessage is null ? null : TerminalText.EscapeLines(session.ErrorMessage);
        if (!finished)
        {
            if (string.Equals(runningSessionId, sessionId, StringComparison.Ordinal))
            {
                session.Status = SyncSessionState.Executing;
            }
            else
            {
                session.Status = SyncSessionState.Failed;
                session.ErrorMessage = "The session's process ended without finishing its log and holds no lock (it was killed or the machine went down).";
            }
        }

        return session;
    }

    private static IEnumerable<string> ReadLinesShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            yield return line;
        }
    }

    private static string? Text(JsonElement root, string key)
        => root.TryGetProperty(key, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static DateTimeOffset? Time(JsonElement root, string key)
        => Text(root, key) is string text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset time) ? time : null;
}
