using System.Text.Json;
using DiskTools.Engine.Sync.Logging;
using Xunit;

namespace DiskTools.Engine.Tests.Sync;

public sealed class LoggingTests
{
    [Fact]
    public void Levels_are_ordered_and_parse_case_insensitively()
    {
        Assert.Equal(["DEBUG", "FULL", "INFO", "WARNING", "ERROR", "CRITICAL"], Enum.GetValues<LogLevel>().Select(l => l.ToName()));
        Assert.True(LogLevels.TryParse("full", out LogLevel full));
        Assert.Equal(LogLevel.Full, full);
        Assert.False(LogLevels.TryParse("2", out _));
        Assert.False(LogLevels.TryParse("verbose", out _));
        Assert.True(LogLevel.Info.Passes(LogLevel.Full));
        Assert.False(LogLevel.Full.Passes(LogLevel.Info));
        Assert.True(LogLevel.Critical.Passes(LogLevel.Critical));
    }

    [Fact]
    public void A_log_line_is_one_JSON_object_with_fixed_keys_then_context()
    {
        var time = new DateTimeOffset(2025, 11, 29, 14, 30, 22, 123, TimeSpan.FromHours(2));
        var e = new LogEvent(time, LogLevel.Warning, "folder_sync", SyncHost.Target, "line\nbreak \"quoted\"",
            new Dictionary<string, object?> { ["files"] = 12L, ["path"] = "/x/ü", ["event"] = "clash", ["ok"] = true, ["took"] = TimeSpan.FromMilliseconds(1500), ["none"] = null });
        string line = JsonLogLine.Render(e, "nas-01");
        Assert.DoesNotContain('\n', line);
        using JsonDocument doc = JsonDocument.Parse(line);
        JsonElement root = doc.RootElement;
        Assert.Equal(["timestamp", "level", "job", "host", "event", "files", "path", "context_event", "ok", "took", "none"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("2025-11-29T12:30:22.123000Z", root.GetProperty("timestamp").GetString());
        Assert.Equal("WARNING", root.GetProperty("level").GetString());
        Assert.Equal("nas-01", root.GetProperty("host").GetString());
        Assert.Equal("line\nbreak \"quoted\"", root.GetProperty("event").GetString());
        Assert.Equal(12, root.GetProperty("files").GetInt64());
        Assert.Equal("/x/ü", root.GetProperty("path").GetString());
        Assert.Equal(1.5, root.GetProperty("took").GetDouble());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("none").ValueKind);
    }

    [Fact]
    public void The_log_file_honours_its_threshold_but_always_keeps_session_records()
    {
        string dir = Directory.CreateTempSubdirectory("disktools-log-").FullName;
        try
        {
            string path = Path.Combine(dir, "sub", SessionLogLocation.FileName(DateTimeOffset.UtcNow, "0badcafe"));
            var file = new JsonLinesLogFile(path, LogLevel.Info, host => host == SyncHost.Source ? "src" : "dst");
            using var bus = new EventBus();
            bus.Subscribe(file);
            LogEvent At(LogLevel level, bool record = false) => new(DateTimeOffset.UtcNow, level, "j", SyncHost.Target, level.ToName(), new Dictionary<string, object?>(), record);
            bus.Publish(At(LogLevel.Debug));
            bus.Publish(At(LogLevel.Full));
            bus.Publish(At(LogLevel.Info));
            bus.Publish(At(LogLevel.Debug, record: true));
            bus.Publish(new ProgressEvent(DateTimeOffset.UtcNow, "j", new ProgressUpdate(Percent: 5)));
            bus.Publish(At(LogLevel.Critical));
            bus.Close();
            bus.Publish(At(LogLevel.Critical));
            string[] lines = File.ReadAllLines(path);
            Assert.Equal(["INFO", "DEBUG", "CRITICAL"], lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("event").GetString()));
            Assert.All(lines, l => Assert.Equal("dst", JsonDocument.Parse(l).RootElement.GetProperty("host").GetString()));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void A_throwing_consumer_is_dropped_and_the_others_carry_on()
    {
        using var bus = new EventBus();
        var seen = new List<SyncEvent>();
        Exception? reported = null;
        bus.ConsumerFailed += (_, e) => reported = e;
        bus.Subscribe(new Throwing());
        bus.Subscribe(new Collecting(seen));
        bus.Publish(new ProgressEvent(DateTimeOffset.UtcNow, "job", ProgressUpdate.Beat("connecting")));
        bus.Publish(new ProgressEvent(DateTimeOffset.UtcNow, "job", new ProgressUpdate(100), Completed: true));
        Assert.Equal(2, seen.Count);
        Assert.IsType<InvalidOperationException>(reported);
    }

    [Fact]
    public void Log_file_names_round_trip()
    {
        var start = new DateTimeOffset(2025, 11, 29, 14, 30, 22, TimeSpan.Zero);
        string name = SessionLogLocation.FileName(start, "abc12345");
        Assert.Equal("sync-20251129T143022-abc12345.jsonl", name);
        Assert.True(SessionLogLocation.TryParseFileName("/x/" + name, out DateTimeOffset parsed, out string id));
        Assert.Equal(start, parsed);
        Assert.Equal("abc12345", id);
        Assert.False(SessionLogLocation.TryParseFileName("sync-20251129T143022-ABC12345.jsonl", out _, out _));
        Assert.False(SessionLogLocation.TryParseFileName("sync-2025-abc12345.jsonl", out _, out _));
        Assert.True(SessionIds.IsValid(SessionIds.New()));
    }

    [Fact]
    public void Progress_describes_what_is_known()
    {
        Assert.Equal("45/100, 45%", new ProgressUpdate(45, 45, 100).Describe());
        Assert.Equal("7 items", new ProgressUpdate(Current: 7).Describe());
        Assert.Equal("working", ProgressUpdate.Beat().Describe());
    }

    private sealed class Throwing : ISyncEventConsumer
    {
        public void OnEvent(SyncEvent syncEvent) => throw new InvalidOperationException("boom");

        public void Complete()
        {
        }
    }

    private sealed class Collecting(List<SyncEvent> seen) : ISyncEventConsumer
    {
        public void OnEvent(SyncEvent syncEvent) => seen.Add(syncEvent);

        public void Complete()
        {
        }
    }
}
