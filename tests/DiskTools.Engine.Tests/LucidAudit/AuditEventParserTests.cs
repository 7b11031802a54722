using System.Text;
using DiskTools.Engine.LucidAudit;
using Xunit;

namespace DiskTools.Engine.Tests.LucidAudit;

public sealed class AuditEventParserTests
{
    private static readonly DateTime When = new(2025, 11, 29, 14, 31, 5, 123, DateTimeKind.Utc);

    private static (bool Ok, AuditEvent Event, string? Error) Parse(string line)
    {
        bool ok = AuditEventParser.TryParse(Encoding.UTF8.GetBytes(line), out AuditEvent e, out string? error);
        return (ok, e, error);
    }

    [Fact]
    public void Nested_objects_give_every_field()
    {
        var (ok, e, error) = Parse(AuditTrailWriter.Event(AuditAction.Move, "/Projects/a.mov", When, "/Archive/a.mov", user: "bob", node: "7"));
        Assert.True(ok, error);
        Assert.Equal(AuditAction.Move, e.Action);
        Assert.Equal("Projects/a.mov", e.EntryPath);
        Assert.Equal("Archive/a.mov", e.TargetPath);
        Assert.Equal(When, e.TimestampUtc);
        Assert.Equal("bob", e.UserName);
        Assert.Equal("bob@example.com", e.UserId);
        Assert.Equal("ws1", e.DeviceHostName);
        Assert.Equal("Linux", e.DeviceOsName);
        Assert.Equal("6.8", e.DeviceOsVersion);
        Assert.Equal("fs.acme", e.Filespace);
        Assert.Equal("7", e.NodeId);
        Assert.Equal("0d6c1f2e", e.FilespaceUuid);
        Assert.StartsWith("f-", e.FileId, StringComparison.Ordinal);
    }

    [Fact]
    public void Dotted_keys_are_the_same_fields()
    {
        var (ok, e, error) = Parse("""{"timestamp":1764426665000000,"operation.action":"FileRead","operation.entryPath":"/x/y.txt","user.name":"carol","event.nodeId":"3"}""");
        Assert.True(ok, error);
        Assert.Equal(AuditAction.FileRead, e.Action);
        Assert.Equal("x/y.txt", e.EntryPath);
        Assert.Equal("carol", e.UserName);
        Assert.Equal("3", e.NodeId);
        Assert.Equal(1764426665000000L, e.TimestampMicros);
    }

    [Theory]
    [InlineData(AuditAction.FileRead)]
    [InlineData(AuditAction.FileWritten)]
    [InlineData(AuditAction.FileCreate)]
    [InlineData(AuditAction.FileDelete)]
    [InlineData(AuditAction.DirectoryCreate)]
    [InlineData(AuditAction.DirectoryDelete)]
    [InlineData(AuditAction.Move)]
    [InlineData(AuditAction.SymlinkCreate)]
    [InlineData(AuditAction.ExtendedAttributeSet)]
    [InlineData(AuditAction.ExtendedAttributeDelete)]
    [InlineData(AuditAction.Pin)]
    [InlineData(AuditAction.Unpin)]
    [InlineData(AuditAction.PreHydrate)]
    public void Every_documented_action_parses(AuditAction action)
    {
        var (ok, e, error) = Parse(AuditTrailWriter.Event(action, "/d/f", When, action == AuditAction.Move ? "/d/g" : null));
        Assert.True(ok, error);
        Assert.Equal(action, e.Action);
    }

    [Theory]
    [InlineData("", "invalid JSON")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("{\"timestamp\":1,", "invalid JSON")]
    [InlineData("{\"operation\":{\"action\":\"FileRead\",\"entryPath\":\"/a\"}}", "missing 'timestamp'")]
    [InlineData("{\"timestamp\":\"1764426665000000\",\"operation\":{\"action\":\"FileRead\",\"entryPath\":\"/a\"}}", "'timestamp' is not an integer")]
    [InlineData("{\"timestamp\":1.5,\"operation\":{\"action\":\"FileRead\",\"entryPath\":\"/a\"}}", "'timestamp' is not an integer")]
    [InlineData("{\"timestamp\":-4,\"operation\":{\"action\":\"FileRead\",\"entryPath\":\"/a\"}}", "out of range")]
    [InlineData("{\"timestamp\":1764426665000000,\"user\":{\"name\":\"a\\u0000b\"},\"operation\":{\"action\":\"FileRead\",\"entryPath\":\"/a\"}}", "'user.name' contains a NUL character")]
    [InlineData("{\"timestamp\":1764426665000000,\"operation\":{\"action\":\"Move\",\"entryPath\":\"/a\",\"targetPath\":\"/b\\u0000\"}}", "contains a NUL character")]
    [InlineData("{\"timestamp\":1764426665000000,\"operation\":{\"action\":42,\"entryPath\":\"/a\"}}", "'operation.action' is not a string")]
    [InlineData("{\"timestamp\":1764426665000000,\"operation\":{\"entryPath\":\"/a\"}}", "missing 'operation.action'")]
    [InlineData("{\"timestamp\":1764426665000000,\"operation\":{\"action\":\"FileRead\"}}", "'operation.entryPath' is missing")]
    [InlineData("{\"timestamp\":1764426665000000,\"operation\":{\"action\":\"FileRead\",\"entryPath\":\"/\"}}", "names the filespace root")]
    [InlineData("{\"timestamp\":1764426665000000,\"operation\":{\"action\":\"FileRead\",\"entryPath\":\"/a/../b\"}}", "segment")]
    [InlineData("{\"timestamp\":1764426665000000,\"operation\":{\"action\":\"FileRead\",\"entryPath\":\"/a//b\"}}", "segment")]
    [InlineData("{\"timestamp\":1764426665000000,\"operation\":{\"action\":\"Move\",\"entryPath\":\"/a\"}}", "'operation.targetPath' is missing")]
    [InlineData("{\"timestamp\":1764426665000000,\"operation\":{\"action\":\"FileRead\",\"entryPath\":42}}", "'operation.entryPath' is not a string")]
    [InlineData("{\"timestamp\":1764426665000000,\"user\":{\"name\":[\"x\"]},\"operation\":{\"action\":\"FileRead\",\"entryPath\":\"/a\"}}", "'user.name' is not a string")]
    [InlineData("{\"timestamp\":1764426665000000,\"operation.action\":\"FileRead\",\"operation\":{\"action\":\"FileRead\",\"entryPath\":\"/a\"}}", "appears more than once")]
    [InlineData("{\"timestamp\":1,\"timestamp\":2,\"operation\":{\"action\":\"FileRead\",\"entryPath\":\"/a\"}}", "appears more than once")]
    [InlineData("{\"timestamp\":1764426665000000,\"operation\":{\"action\":\"FileRead\",\"entryPath\":\"/a\"}} {}", "after the event object")]
    public void Anything_not_understood_is_refused_with_a_reason(string line, string reason)
    {
        var (ok, _, error) = Parse(line);
        Assert.False(ok);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"timestamp\":1764426665000000,\"operation\":{\"action\":\"FileOpened\",\"entryPath\":\"/a\"}}", "unknown action 'FileOpened'")]
    [InlineData("{\"timestamp\":1764426665000000,\"operation\":{\"action\":\"fileread\",\"entryPath\":\"/a\"}}", "unknown action 'fileread'")]
    [InlineData("{\"timestamp\":1764426665000000,\"operation\":{\"action\":\"Snapshot\"}}", "unknown action 'Snapshot'")]
    public void An_unknown_action_parses_as_unknown_and_is_named(string line, string note)
    {
        var (ok, e, error) = Parse(line);
        Assert.True(ok);
        Assert.Equal(AuditActions.Unknown, e.Action);
        Assert.Equal(note, error);
        Assert.True(AuditEventParser.TryParseStaged(Encoding.UTF8.GetBytes(line), 3, out StagedAuditEvent staged, out string? stagedNote));
        Assert.Equal((AuditActions.Unknown, note), (staged.Action, stagedNote));
    }

    [Fact]
    public void A_nul_in_a_field_that_is_not_kept_does_not_matter()
    {
        var (ok, e, error) = Parse("{\"timestamp\":1764426665000000,\"device\":{\"hostName\":\"ws\\u0000\"},\"operation\":{\"action\":\"FileRead\",\"entryPath\":\"/a\"}}");
        Assert.True(ok, error);
        Assert.Equal("a", e.EntryPath);
    }

    [Fact]
    public void Unknown_fields_and_null_values_are_tolerated()
    {
        var (ok, e, error) = Parse("""{"timestamp":1764426665000000,"schema":{"v":[1,2,{"x":null}]},"user":null,"operation":{"action":"FileWritten","entryPath":"a/b","extra":true,"fileId":null}}""");
        Assert.True(ok, error);
        Assert.Equal("a/b", e.EntryPath);
        Assert.Null(e.UserName);
        Assert.Null(e.FileId);
    }

    [Fact]
    public void Escaped_and_non_ascii_paths_are_decoded()
    {
        var (ok, e, error) = Parse("{\"timestamp\":1764426665000000,\"operation\":{\"action\":\"FileRead\",\"entryPath\":\"/Caf\\u00e9/\\\"q\\\" \u00fc.txt\"}}");
        Assert.True(ok, error);
        Assert.Equal("Café/\"q\" ü.txt", e.EntryPath);
    }

    public static TheoryData<string, string> UndecodableStrings => new()
    {
        // Raw bytes that are not UTF-8, and an escape that is half a surrogate pair, in a field staging keeps
        // and in one it only checks: either way the line is malformed, never an exception that stops the log.
        { "user", "'user.name' is not valid UTF-8" },
        { "host", "'device.hostName' is not valid UTF-8" },
        { "path", "'operation.entryPath' is not valid UTF-8" },
    };

    [Theory]
    [MemberData(nameof(UndecodableStrings))]
    public void Strings_that_are_not_text_make_the_line_malformed(string field, string reason)
    {
        foreach (byte[] bad in new[] { new byte[] { 0xFF, 0xFE }, "\\ud800"u8.ToArray() })
        {
            byte[] line = LineWith(field, bad);
            Assert.False(AuditEventParser.TryParse(line, out _, out string? error));
            Assert.Contains(reason, error, StringComparison.Ordinal);
            Assert.False(AuditEventParser.TryParseStaged(line, 1, out _, out string? stagedError));
            Assert.Equal(error, stagedError);
        }
    }

    [Fact]
    public void The_staged_form_keeps_what_staging_needs()
    {
        byte[] line = Encoding.UTF8.GetBytes(AuditTrailWriter.Event(AuditAction.Move, "/Projects/a.mov", When, "/Archive/a.mov", user: "bob", node: "7"));
        Assert.True(AuditEventParser.TryParseStaged(line, 42, out StagedAuditEvent staged, out string? error), error);
        Assert.True(AuditEventParser.TryParse(line, out AuditEvent full, out _));
        Assert.Equal(new StagedAuditEvent(42, full.TimestampMicros, AuditAction.Move, "Projects/a.mov", "Archive/a.mov", "bob"), staged);
    }

    private static byte[] LineWith(string field, byte[] value)
    {
        byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
        byte[] user = field == "user" ? value : Utf8("u");
        byte[] host = field == "host" ? value : Utf8("h");
        byte[] path = field == "path" ? [(byte)'/', .. value] : Utf8("/a");
        return [.. Utf8("{\"timestamp\":1764426665000000,\"user\":{\"name\":\""), .. user,
            .. Utf8("\"},\"device\":{\"hostName\":\""), .. host,
            .. Utf8("\"},\"operation\":{\"action\":\"FileRead\",\"entryPath\":\""), .. path, .. Utf8("\"}}")];
    }
}
