using System.Text;
using DiskTools.Engine.LucidAudit;
using DiskTools.Engine.Output;
using Npgsql;
using Xunit;
using static DiskTools.Engine.Tests.LucidAudit.AuditTrailWriter;

namespace DiskTools.Engine.Tests.LucidAudit;

/// <summary>
/// One bad line never holds back the good ones, against the real PostgreSQL: each is reported once with
/// its file and line, skipped, and everything around it applies, in this pass and every later one.
/// </summary>
public sealed class AuditLineIsolationTests
{
    private static readonly DateTime Begin = new(2025, 11, 29, 14, 30, 22, DateTimeKind.Utc);
    private static readonly DateTime T = new(2025, 11, 29, 14, 31, 0, DateTimeKind.Utc);

    private static string Lines(params string[] events) => string.Concat(events.Select(e => e + "\n"));

    private static OperationError[] Malformed(RecordingWriter writer) => writer.Errors.Where(e => e.ErrorId == ErrorIds.LucidAuditLineMalformed).ToArray();

    [SkippableFact]
    public void A_valid_line_whose_user_name_holds_nul_is_reported_once_and_the_rest_applies()
    {
        using var h = AuditIngestHarness.Create("a", "b");
        string log = h.Tree.LogPath("n1", Begin, active: true);
        Append(log, Lines(
            Event(AuditAction.FileRead, "/a", T),
            Event(AuditAction.FileRead, "/b", T, user: "mal\u0000lory"),
            Event(AuditAction.FileRead, "/b", T.AddSeconds(1))));

        var (first, writer) = h.Pass();

        Assert.Equal((3L, 1L, 2L), (first.EventsRead, first.Malformed, first.Applied));
        OperationError bad = Assert.Single(Malformed(writer));
        Assert.Equal(log, bad.Target);
        Assert.Contains("line 2: 'user.name' contains a NUL character", bad.Exception.Message, StringComparison.Ordinal);
        Assert.Equal((1L, 1L), (h.Records()["a"].Count, h.Records()["b"].Count));

        // Later passes (the other node's new lines included) neither fail nor report the line again.
        Append(h.Tree.LogPath("n2", Begin, active: true), Lines(Event(AuditAction.FileRead, "/a", T.AddSeconds(2))));
        var (second, again) = h.Pass();
        Assert.Empty(again.Errors);
        Assert.Equal((1L, 1L), (second.EventsRead, second.Applied));
        Assert.Equal(2L, h.Records()["a"].Count);
    }

    [SkippableFact]
    public void A_value_postgresql_refuses_is_isolated_and_its_chunk_still_stages()
    {
        // The parser keeps NUL out of staging; should PostgreSQL refuse anything else, the chunk is halved
        // under savepoints until the refused event is found, and only that one is left out.
        using var h = AuditIngestHarness.Create("a");
        string log = h.Tree.LogPath("n1", Begin, active: false);
        Append(log, Lines(Event(AuditAction.FileRead, "/a", T)));
        h.Pass();

        using NpgsqlConnection connection = h.Open();
        Guid volume = Guid.Parse(h.Scalar<string>("SELECT id::text FROM repositories"));
        StoredCursor cursor = AuditCursorStore.LoadAsync(connection, AuditIngestOptions.DefaultTenant, volume, CancellationToken.None).GetAwaiter().GetResult().Values.Single();
        long micros = (T.Ticks - DateTime.UnixEpoch.Ticks) / 10;
        StagedAuditEvent[] events = Enumerable.Range(2, 7)
            .Select(n => new StagedAuditEvent(n, micros, AuditAction.FileRead, "a", null, n == 5 ? "bad\u0000user" : "u"))
            .ToArray();
        AuditCursor to = cursor.Staged with { LineCount = cursor.Staged.LineCount + events.Length, Position = cursor.Staged.Position + 1 };

        var refused = AuditCursorStore.StageAsync(connection, cursor, to, events, h.Root, CancellationToken.None).GetAwaiter().GetResult();

        var (refusedEvent, reason) = Assert.Single(refused);
        Assert.Equal(5L, refusedEvent.LineNumber);
        Assert.Contains("refused by PostgreSQL", reason, StringComparison.Ordinal);
        Assert.Equal(6L, h.Scalar<long>($"SELECT count(*) FROM staging_lucid_audit WHERE cursor_id = {cursor.Id} AND line_number > 1"));
        Assert.Equal(to.LineCount, h.Scalar<long>($"SELECT staged_line FROM lucid_audit_cursor WHERE id = {cursor.Id}"));
    }

    [SkippableFact]
    public void A_line_over_16_MiB_is_skipped_and_the_lines_before_and_after_it_apply()
    {
        using var h = AuditIngestHarness.Create("before", "after");
        string log = h.Tree.LogPath("n1", Begin, active: true);
        Append(log, Lines(Event(AuditAction.FileRead, "/before", T)));
        using (var stream = new FileStream(log, FileMode.Append))
        {
            byte[] filler = new byte[1 << 20];
            Array.Fill(filler, (byte)'x');
            for (int i = 0; i < 17; i++)
            {
                stream.Write(filler);
            }

            stream.WriteByte((byte)'\n');
        }

        Append(log, Lines(Event(AuditAction.FileRead, "/after", T.AddSeconds(1))));

        var (first, writer) = h.Pass();

        Assert.Equal((3L, 1L, 2L), (first.EventsRead, first.Malformed, first.Applied));
        OperationError bad = Assert.Single(Malformed(writer));
        Assert.Contains("line 2: a line of 17,825,792 bytes", bad.Exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(writer.Errors, e => e.ErrorId == ErrorIds.LucidAuditLogUnreadable);
        Assert.Equal((1L, 1L), (h.Records()["before"].Count, h.Records()["after"].Count));

        Append(log, Lines(Event(AuditAction.FileRead, "/after", T.AddSeconds(2))));
        var (second, again) = h.Pass();
        Assert.Empty(again.Errors);
        Assert.Equal((1L, 1L), (second.EventsRead, second.Applied));
        Assert.Equal(2L, h.Records()["after"].Count);
    }

    [SkippableFact]
    public void An_unfinished_long_line_waits_for_its_line_break()
    {
        using var h = AuditIngestHarness.Create("a");
        string log = h.Tree.LogPath("n1", Begin, active: true);
        Append(log, Lines(Event(AuditAction.FileRead, "/a", T)) + new string('y', (16 << 20) + 10));

        var (first, writer) = h.Pass();
        Assert.Equal((1L, 0L, 1L), (first.EventsRead, first.Malformed, first.Applied));
        Assert.Empty(writer.Errors);

        Append(log, "\n" + Lines(Event(AuditAction.FileRead, "/a", T.AddSeconds(1))));
        var (second, again) = h.Pass();
        Assert.Equal((2L, 1L, 1L), (second.EventsRead, second.Malformed, second.Applied));
        Assert.Contains("line 2:", Assert.Single(Malformed(again)).Exception.Message, StringComparison.Ordinal);
        Assert.Equal(2L, h.Records()["a"].Count);
    }

    [SkippableFact]
    public void An_unknown_action_is_counted_and_ignored_not_malformed()
    {
        using var h = AuditIngestHarness.Create("a");
        long micros = (T.Ticks - DateTime.UnixEpoch.Ticks) / 10;
        Append(h.Tree.LogPath("n1", Begin, active: true), Lines(
            $"{{\"timestamp\":{micros},\"operation\":{{\"action\":\"FileCloned\",\"entryPath\":\"/a\",\"targetPath\":\"/b\"}}}}",
            $"{{\"timestamp\":{micros},\"operation\":{{\"action\":\"Heartbeat\"}}}}",
            Event(AuditAction.FileRead, "/a", T)));

        var (result, writer) = h.Pass();

        Assert.Equal((3L, 2L, 0L, 0L, 1L), (result.EventsRead, result.UnknownActions, result.Malformed, result.Ignored, result.Applied));
        Assert.Empty(writer.Errors);
        string warning = Assert.Single(writer.Warnings);
        Assert.Contains("2 event(s)", warning, StringComparison.Ordinal);
        Assert.Contains("unknown action 'FileCloned'", warning, StringComparison.Ordinal);
        Assert.Equal(0L, h.Scalar<long>("SELECT count(*) FROM lucid_audit_unmatched"));
    }

    [SkippableFact]
    public void A_truncated_log_is_reported_once_not_on_every_pass()
    {
        using var h = AuditIngestHarness.Create("a");
        string log = h.Tree.LogPath("n1", Begin, active: true);
        Append(log, Lines(Event(AuditAction.FileRead, "/a", T), Event(AuditAction.FileRead, "/a", T.AddSeconds(1))));
        h.Pass();

        File.WriteAllText(log, Lines(Event(AuditAction.FileRead, "/a", T.AddSeconds(9)))[..40]);
        var (found, writer) = h.Pass();
        OperationError changed = Assert.Single(writer.Errors);
        Assert.Equal((ErrorIds.LucidAuditLogChanged, log), (changed.ErrorId, (string)changed.Target!));
        Assert.Equal(1, found.LogsSetAside);

        // Not again: not in the next pass, not after the log grows, not in a new ingestor (another process).
        Append(log, new string('z', 400) + "\n");
        var (later, quiet) = h.Pass();
        Assert.Empty(quiet.Errors);
        Assert.Equal((0, 0L), (later.LogsSetAside, later.EventsRead));
        Assert.Contains(quiet.Verbose, v => v.Contains("set aside", StringComparison.Ordinal));
        Assert.Equal(2L, h.Records()["a"].Count);
        Assert.Equal(1L, h.Scalar<long>("SELECT count(*) FROM lucid_audit_cursor WHERE set_aside_utc IS NOT NULL AND set_aside_reason LIKE 'shorter than%'"));
    }

    [SkippableFact]
    public void Events_dated_too_far_before_their_log_began_are_rejected_like_future_ones()
    {
        using var h = AuditIngestHarness.Create("a", "b", "c");
        Append(h.Tree.LogPath("n1", Begin, active: true), Lines(
            Event(AuditAction.FileRead, "/a", Begin.AddDays(-6)),
            Event(AuditAction.FileRead, "/b", new DateTime(1970, 1, 2, 0, 0, 0, DateTimeKind.Utc)),
            Event(AuditAction.FileRead, "/b", Begin.AddDays(-8)),
            Event(AuditAction.FileRead, "/c", DateTime.UtcNow.AddDays(8))));

        var (result, _) = h.Pass();

        Assert.Equal((4L, 3L, 1L), (result.EventsRead, result.Rejected, result.Applied));
        var records = h.Records();
        Assert.Equal((Begin.AddDays(-6), 1L), (records["a"].LastAccessed, records["a"].Count));
        Assert.Equal((AuditIngestHarness.Baseline, 0L), (records["b"].LastAccessed, records["b"].Count));
        Assert.Equal(0L, records["c"].Count);

        // The bound is the caller's to widen.
        using var wide = AuditIngestHarness.Create("b");
        Append(wide.Tree.LogPath("n1", Begin, active: true), Lines(Event(AuditAction.FileRead, "/b", Begin.AddDays(-8))));
        var (widened, _) = wide.Pass(options: new AuditIngestOptions { MaxPastSkew = TimeSpan.FromDays(30) });
        Assert.Equal((0L, 1L), (widened.Rejected, widened.Applied));
    }
}
