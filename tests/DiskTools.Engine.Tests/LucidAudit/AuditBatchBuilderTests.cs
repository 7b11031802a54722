using System.Text;
using DiskTools.Engine.LucidAudit;
using Xunit;

namespace DiskTools.Engine.Tests.LucidAudit;

public sealed class AuditBatchBuilderTests
{
    private static readonly DateTime Now = new(2025, 12, 1, 12, 0, 0, DateTimeKind.Utc);

    private static void Add(AuditBatchBuilder builder, string line, long number) => builder.Add(Encoding.UTF8.GetBytes(line), number);

    [Fact]
    public void Malformed_lines_are_reported_with_file_and_line_and_do_not_block_the_rest()
    {
        var builder = new AuditBatchBuilder(".lucid_audit/n/2025/12/x.log", Now, TimeSpan.FromDays(7));
        Add(builder, AuditTrailWriter.Event(AuditAction.FileRead, "/a", Now.AddHours(-1)), 1);
        Add(builder, "{not json", 2);
        Add(builder, AuditTrailWriter.Event(AuditAction.FileRead, "/b", Now.AddHours(-1)), 3);

        Assert.Equal(3, builder.EventsRead);
        MalformedAuditLine bad = Assert.Single(builder.MalformedLines);
        Assert.Equal(".lucid_audit/n/2025/12/x.log", bad.AuditFile);
        Assert.Equal(2, bad.LineNumber);
        Assert.Equal(["a", "b"], builder.Staged.Select(s => s.EntryPath));
        Assert.Equal([1L, 3L], builder.Staged.Select(s => s.LineNumber));
    }

    [Fact]
    public void Events_further_ahead_than_the_allowed_skew_are_rejected()
    {
        var builder = new AuditBatchBuilder("x.log", Now, TimeSpan.FromDays(7));
        Add(builder, AuditTrailWriter.Event(AuditAction.FileRead, "/ok", Now.AddDays(6)), 1);
        Add(builder, AuditTrailWriter.Event(AuditAction.FileRead, "/late", Now.AddDays(8)), 2);
        Add(builder, AuditTrailWriter.Event(AuditAction.FileRead, "/old", Now.AddYears(-3)), 3);

        Assert.Equal(1, builder.Rejected);
        Assert.Equal(["ok", "old"], builder.Staged.Select(s => s.EntryPath));
        Assert.Equal((Now.AddDays(6).Ticks - DateTime.UnixEpoch.Ticks) / 10, builder.NewestMicros);
    }

    [Fact]
    public void Actions_that_say_nothing_about_file_use_are_counted_and_not_staged()
    {
        var builder = new AuditBatchBuilder("x.log", Now, TimeSpan.FromDays(7));
        long n = 0;
        foreach (AuditAction action in Enum.GetValues<AuditAction>())
        {
            Add(builder, AuditTrailWriter.Event(action, "/p", Now, action == AuditAction.Move ? "/q" : null), ++n);
        }

        Assert.Equal(13, builder.EventsRead);
        Assert.Equal(6, builder.Ignored);
        Assert.Equal(
            [AuditAction.FileRead, AuditAction.FileWritten, AuditAction.FileCreate, AuditAction.FileDelete, AuditAction.DirectoryDelete, AuditAction.Move, AuditAction.PreHydrate],
            builder.Staged.Select(s => s.Action));
        Assert.Equal("q", builder.Staged.Single(s => s.Action == AuditAction.Move).TargetPath);
    }
}
