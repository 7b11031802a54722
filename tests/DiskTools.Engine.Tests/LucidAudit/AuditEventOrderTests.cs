using DiskTools.Engine.LucidAudit;
using Xunit;
using static DiskTools.Engine.Tests.LucidAudit.AuditTrailWriter;

namespace DiskTools.Engine.Tests.LucidAudit;

/// <summary>
/// Deletes, creates and writes count by their time, across directories, logs and passes, against the
/// real PostgreSQL; with both apply plans (planner's choice and the large-round plan).
/// </summary>
public sealed class AuditEventOrderTests
{
    private static readonly DateTime Begin = new(2025, 11, 29, 14, 30, 22, DateTimeKind.Utc);
    private static readonly DateTime T0 = new(2025, 11, 29, 14, 31, 0, DateTimeKind.Utc);

    private static DateTime At(int seconds) => T0.AddSeconds(seconds);

    private static string Lines(params string[] events) => string.Concat(events.Select(e => e + "\n"));

    private static AuditIngestOptions? Plan(AuditIngestHarness h, bool large)
    {
        if (!large)
        {
            return null;
        }

        h.Execute("ANALYZE file_records");
        return new AuditIngestOptions { LargeRoundLines = 1 };
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_write_then_a_delete_of_its_directory_in_one_pass_leaves_the_file_deleted(bool large)
    {
        using var h = AuditIngestHarness.Create("render/frame1", "render/deep/frame2", "renders/other");
        AuditIngestOptions? options = Plan(h, large);
        // The write and the directory delete in different logs, the later event in the log read first.
        Append(h.Tree.LogPath("a-node", Begin, active: false), Lines(Event(AuditAction.DirectoryDelete, "/render", At(20))));
        Append(h.Tree.LogPath("b-node", Begin, active: false), Lines(
            Event(AuditAction.FileWritten, "/render/frame1", At(10)),
            Event(AuditAction.FileWritten, "/render/deep/frame2", At(10))));

        var (result, _) = h.Pass(options: options);

        var records = h.Records();
        Assert.Equal(("deleted", 1L), (records["render/frame1"].Tier, records["render/frame1"].Count));
        Assert.Equal("deleted", records["render/deep/frame2"].Tier);
        Assert.Equal("none", records["renders/other"].Tier);   // a sibling whose name merely starts alike
        Assert.Equal((3L, 0L), (result.Applied, result.Unmatched));
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_create_after_a_directory_delete_revives_and_a_write_before_it_does_not(bool large)
    {
        using var h = AuditIngestHarness.Create("render/frame1", "render/frame2", "render/frame3");
        AuditIngestOptions? options = Plan(h, large);
        Append(h.Tree.LogPath("n1", Begin, active: false), Lines(
            Event(AuditAction.FileWritten, "/render/frame2", At(10)),
            Event(AuditAction.DirectoryDelete, "/render", At(20)),
            Event(AuditAction.FileCreate, "/render/frame1", At(30)),
            Event(AuditAction.FileWritten, "/render/frame3", At(30))));

        h.Pass(options: options);

        var records = h.Records();
        Assert.Equal("none", records["render/frame1"].Tier);
        Assert.Equal("deleted", records["render/frame2"].Tier);
        Assert.Equal("none", records["render/frame3"].Tier);
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void Events_of_a_later_pass_are_weighed_by_time_against_what_earlier_passes_applied(bool large)
    {
        using var h = AuditIngestHarness.Create("render/frame1", "render/frame2", "solo.txt", "kept.txt");
        AuditIngestOptions? options = Plan(h, large);
        Append(h.Tree.LogPath("n1", Begin, active: false), Lines(
            Event(AuditAction.DirectoryDelete, "/render", At(20)),
            Event(AuditAction.FileDelete, "/solo.txt", At(20)),
            Event(AuditAction.FileCreate, "/kept.txt", At(40))));
        h.Pass(options: options);
        Assert.Equal(["deleted", "deleted", "deleted"], new[] { "render/frame1", "render/frame2", "solo.txt" }.Select(p => h.Records()[p].Tier));

        // Another node's log turns up late: a write dated before the delete must not bring a record back,
        // one dated after it must; a delete dated before a create already applied must not delete.
        Append(h.Tree.LogPath("n2", Begin, active: false), Lines(
            Event(AuditAction.FileWritten, "/render/frame1", At(10)),
            Event(AuditAction.FileWritten, "/render/frame2", At(25)),
            Event(AuditAction.FileWritten, "/solo.txt", At(15)),
            Event(AuditAction.FileDelete, "/kept.txt", At(35))));
        h.Pass(options: options);

        var records = h.Records();
        Assert.Equal(("deleted", 1L), (records["render/frame1"].Tier, records["render/frame1"].Count));
        Assert.Equal("none", records["render/frame2"].Tier);
        Assert.Equal("deleted", records["solo.txt"].Tier);
        Assert.Equal("none", records["kept.txt"].Tier);
    }

    [SkippableFact]
    public void A_write_before_a_later_delete_does_not_revive_in_a_round_of_accesses_only()
    {
        // The narrower apply (a round with no creates or deletes) weighs a write against the stored delete too.
        using var h = AuditIngestHarness.Create("a.txt", "b.txt");
        Append(h.Tree.LogPath("n1", Begin, active: false), Lines(Event(AuditAction.FileDelete, "/a.txt", At(20)), Event(AuditAction.FileDelete, "/b.txt", At(20))));
        h.Pass();

        Append(h.Tree.LogPath("n2", Begin, active: false), Lines(
            Event(AuditAction.FileWritten, "/a.txt", At(10)),
            Event(AuditAction.FileWritten, "/b.txt", At(30))));
        h.Pass();

        Assert.Equal(("deleted", "none"), (h.Records()["a.txt"].Tier, h.Records()["b.txt"].Tier));
    }
}
