using System.Text;
using DiskTools.Engine.LucidAudit;
using Xunit;

namespace DiskTools.Engine.Tests.LucidAudit;

public sealed class AuditLogReaderTests
{
    private static readonly DateTime Begin = new(2025, 11, 29, 14, 30, 22, DateTimeKind.Utc);

    private static (AuditReadResult Result, List<(string Line, long Number)> Lines) Read(AuditLogFile file, AuditCursor cursor, long maxLines = long.MaxValue)
    {
        var lines = new List<(string, long)>();
        AuditReadResult result = AuditLogReader.Read(file, cursor, maxLines, (line, n) => lines.Add((Encoding.UTF8.GetString(line), n)), CancellationToken.None);
        return (result, lines);
    }

    [Fact]
    public void A_trailing_partial_line_is_left_until_it_is_complete()
    {
        using var tree = new AuditTrailWriter();
        string path = tree.LogPath("n", Begin, active: true);
        AuditTrailWriter.Append(path, "one\ntwo\nthr");
        AuditLogFile file = AuditTrailWriter.Find(tree.Root, "n", Begin);

        var (first, lines) = Read(file, AuditCursor.Start(file));
        Assert.Equal(AuditReadStatus.Ok, first.Status);
        Assert.Equal([("one", 1L), ("two", 2L)], lines);
        Assert.Equal(8, first.Cursor.Position);
        Assert.Equal(3, first.PartialTailBytes);

        // Nothing new complete: nothing is consumed, the cursor does not move.
        var (again, none) = Read(file, first.Cursor);
        Assert.Empty(none);
        Assert.Equal(first.Cursor.Position, again.Cursor.Position);

        AuditTrailWriter.Append(path, "ee\nfour\n");
        var (second, rest) = Read(file, again.Cursor);
        Assert.Equal([("three", 3L), ("four", 4L)], rest);
        Assert.Equal(new FileInfo(path).Length, second.Cursor.Position);
        Assert.Equal(0, second.PartialTailBytes);
    }

    [Fact]
    public void Rotation_continues_from_the_same_cursor_without_rereading()
    {
        using var tree = new AuditTrailWriter();
        string active = tree.LogPath("n", Begin, active: true);
        AuditTrailWriter.Append(active, "a\nb\n");
        AuditLogFile before = AuditTrailWriter.Find(tree.Root, "n", Begin);
        var (first, _) = Read(before, AuditCursor.Start(before));

        AuditTrailWriter.Append(active, "c\n");
        File.Move(active, tree.LogPath("n", Begin, active: false));
        AuditLogFile after = AuditTrailWriter.Find(tree.Root, "n", Begin);
        Assert.False(after.IsActive);

        var (second, lines) = Read(after, first.Cursor);
        Assert.Equal([("c", 3L)], lines);
        Assert.EndsWith(".log", second.Cursor.AuditFile, StringComparison.Ordinal);
    }

    [Fact]
    public void A_log_renamed_between_discovery_and_read_is_followed_to_its_rotated_name()
    {
        using var tree = new AuditTrailWriter();
        string active = tree.LogPath("n", Begin, active: true);
        AuditTrailWriter.Append(active, "a\nb\n");
        AuditLogFile discovered = AuditTrailWriter.Find(tree.Root, "n", Begin);
        File.Move(active, tree.LogPath("n", Begin, active: false));

        var (result, lines) = Read(discovered, AuditCursor.Start(discovered));
        Assert.Equal(AuditReadStatus.Ok, result.Status);
        Assert.Equal(2, lines.Count);
        Assert.EndsWith("Z.log", result.Cursor.AuditFile, StringComparison.Ordinal);
    }

    [Fact]
    public void A_replaced_log_is_not_read_from_the_old_cursor()
    {
        using var tree = new AuditTrailWriter();
        string path = tree.LogPath("n", Begin, active: true);
        AuditTrailWriter.Append(path, "first log line\n");
        AuditLogFile file = AuditTrailWriter.Find(tree.Root, "n", Begin);
        var (first, _) = Read(file, AuditCursor.Start(file));

        File.WriteAllText(path, "other log line\nmore\n");
        var (second, lines) = Read(file, first.Cursor);
        Assert.Equal(AuditReadStatus.Replaced, second.Status);
        Assert.Empty(lines);
        Assert.Same(first.Cursor, second.Cursor);
    }

    [Fact]
    public void A_truncated_log_is_not_read()
    {
        using var tree = new AuditTrailWriter();
        string path = tree.LogPath("n", Begin, active: true);
        AuditTrailWriter.Append(path, "a long first line\n");
        AuditLogFile file = AuditTrailWriter.Find(tree.Root, "n", Begin);
        var (first, _) = Read(file, AuditCursor.Start(file));

        File.WriteAllText(path, "x\n");
        Assert.Equal(AuditReadStatus.Truncated, Read(file, first.Cursor).Result.Status);
    }

    [Fact]
    public void A_vanished_log_says_so()
    {
        using var tree = new AuditTrailWriter();
        string path = tree.LogPath("n", Begin, active: true);
        AuditTrailWriter.Append(path, "a\n");
        AuditLogFile file = AuditTrailWriter.Find(tree.Root, "n", Begin);
        File.Delete(path);
        Assert.Equal(AuditReadStatus.Vanished, Read(file, AuditCursor.Start(file)).Result.Status);
    }

    [Fact]
    public void A_line_limit_stops_after_whole_lines_and_numbering_carries_on()
    {
        using var tree = new AuditTrailWriter();
        string path = tree.LogPath("n", Begin, active: false);
        AuditTrailWriter.Append(path, "1\r\n\r\n3\n  \n5\n6\n");
        AuditLogFile file = AuditTrailWriter.Find(tree.Root, "n", Begin);

        var (first, a) = Read(file, AuditCursor.Start(file), maxLines: 3);
        Assert.False(first.ReachedEnd);
        Assert.Equal([("1", 1L), ("3", 3L)], a);
        var (second, b) = Read(file, first.Cursor, maxLines: 3);
        Assert.Equal([("5", 5L), ("6", 6L)], b);
        Assert.Equal(6, second.Cursor.LineCount);
    }

    [Fact]
    public void The_fingerprint_grows_with_the_log_and_stops_at_its_cap()
    {
        using var tree = new AuditTrailWriter();
        string path = tree.LogPath("n", Begin, active: true);
        AuditTrailWriter.Append(path, "short\n");
        AuditLogFile file = AuditTrailWriter.Find(tree.Root, "n", Begin);
        var (first, _) = Read(file, AuditCursor.Start(file));
        Assert.Equal(6, first.Cursor.FingerprintLength);

        AuditTrailWriter.Append(path, new string('x', 10_000) + "\n");
        var (second, _) = Read(file, first.Cursor);
        Assert.Equal(AuditFingerprint.MaxBytes, second.Cursor.FingerprintLength);
        Assert.NotEqual(first.Cursor.Fingerprint, second.Cursor.Fingerprint);
    }

    [Fact]
    public void Lines_longer_than_a_read_chunk_are_whole()
    {
        using var tree = new AuditTrailWriter();
        string path = tree.LogPath("n", Begin, active: false);
        string big = new('y', 3 << 20);
        AuditTrailWriter.Append(path, "a\n" + big + "\nb\n");
        AuditLogFile file = AuditTrailWriter.Find(tree.Root, "n", Begin);
        var (_, lines) = Read(file, AuditCursor.Start(file));
        Assert.Equal(3, lines.Count);
        Assert.Equal(big, lines[1].Line);
    }
}
