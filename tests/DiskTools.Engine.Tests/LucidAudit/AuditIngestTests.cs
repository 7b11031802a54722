using DiskTools.Engine.LucidAudit;
using DiskTools.Engine.Output;
using Npgsql;
using Xunit;
using static DiskTools.Engine.Tests.LucidAudit.AuditTrailWriter;

namespace DiskTools.Engine.Tests.LucidAudit;

/// <summary>Watch-LucidAudit's engine against the real PostgreSQL, over generated audit trees.</summary>
public sealed class AuditIngestTests
{
    private static readonly DateTime Begin = new(2025, 11, 29, 14, 30, 22, DateTimeKind.Utc);
    private static readonly DateTime T = new(2025, 11, 29, 14, 31, 0, DateTimeKind.Utc);

    private static string Lines(params string[] events) => string.Concat(events.Select(e => e + "\n"));

    /// <summary>
    /// Options that plan even a tiny round as a large one, with statistics that let the update walk the
    /// inventory in id order: the results must not depend on the plan.
    /// </summary>
    private static AuditIngestOptions? PlannedAsLarge(AuditIngestHarness h, bool large)
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
    public void Every_action_has_its_effect_on_the_inventory(bool plannedAsLarge)
    {
        using var h = AuditIngestHarness.Create("r.txt", "w.txt", "gone.txt", "old/x.txt", "dir/a.txt", "dir/sub/b.txt", "dead/c.txt", "stub.bin", "back.txt", "quiet.txt");
        h.Execute("UPDATE file_records SET tier_state = 'stubbed' WHERE file_path = 'stub.bin'; UPDATE file_records SET tier_state = 'deleted' WHERE file_path = 'back.txt'");
        AuditIngestOptions? options = PlannedAsLarge(h, plannedAsLarge);
        Append(h.Tree.LogPath("n1", Begin, active: true), Lines(
            Event(AuditAction.FileRead, "/r.txt", T),
            Event(AuditAction.FileRead, "/r.txt", T.AddSeconds(5)),
            Event(AuditAction.FileWritten, "/w.txt", T),
            Event(AuditAction.FileDelete, "/gone.txt", T),
            Event(AuditAction.Move, "/old/x.txt", T, "/new/x.txt"),
            Event(AuditAction.Move, "/dir", T, "/moved"),
            Event(AuditAction.DirectoryDelete, "/dead", T),
            Event(AuditAction.PreHydrate, "/stub.bin", T),
            Event(AuditAction.FileCreate, "/back.txt", T),
            Event(AuditAction.FileCreate, "/brand-new.txt", T),
            Event(AuditAction.DirectoryCreate, "/quiet", T),
            Event(AuditAction.SymlinkCreate, "/quiet.txt", T),
            Event(AuditAction.ExtendedAttributeSet, "/quiet.txt", T),
            Event(AuditAction.ExtendedAttributeDelete, "/quiet.txt", T),
            Event(AuditAction.Pin, "/quiet.txt", T),
            Event(AuditAction.Unpin, "/quiet.txt", T)));

        var (result, writer) = h.Pass(options: options);

        Assert.Equal(16, result.EventsRead);
        Assert.Equal(6, result.Ignored);
        Assert.Equal(9, result.Applied);
        Assert.Equal(1, result.Unmatched);
        Assert.Equal(0, result.Malformed);
        var records = h.Records();
        Assert.Equal((T.AddSeconds(5), "lucidlink_audit", "none", 2L), (records["r.txt"].LastAccessed, records["r.txt"].Source, records["r.txt"].Tier, records["r.txt"].Count));
        Assert.Equal(T, records["w.txt"].LastAccessed);
        Assert.Equal("deleted", records["gone.txt"].Tier);
        Assert.True(records.ContainsKey("new/x.txt") && !records.ContainsKey("old/x.txt"));
        Assert.True(records.ContainsKey("moved/a.txt") && records.ContainsKey("moved/sub/b.txt") && !records.ContainsKey("dir/a.txt"));
        Assert.Equal("deleted", records["dead/c.txt"].Tier);
        Assert.Equal("none", records["back.txt"].Tier);
        Assert.Equal((AuditIngestHarness.Baseline, "initial_scan", 0L), (records["quiet.txt"].LastAccessed, records["quiet.txt"].Source, records["quiet.txt"].Count));
        Assert.Equal(AuditIngestHarness.Baseline, records["stub.bin"].LastAccessed);
        WarmingEvent warming = Assert.Single(writer.Objects.OfType<WarmingEvent>());
        Assert.Equal(("stub.bin", "stubbed", "PreHydrate"), (warming.Path, warming.TierState, warming.Actions.Single()));
        Assert.Equal(1, h.Scalar("SELECT count(*) FROM lucid_audit_unmatched_events WHERE entry_path = 'brand-new.txt' AND action = 'FileCreate'"));
    }

    [SkippableFact]
    public void Processing_the_same_logs_again_changes_nothing()
    {
        using var h = AuditIngestHarness.Create("a", "b");
        Append(h.Tree.LogPath("n1", Begin, active: false), Lines(Event(AuditAction.FileRead, "/a", T), Event(AuditAction.FileRead, "/missing", T)));
        var (first, _) = h.Pass();
        var after = h.Records();
        long unmatched = h.Scalar("SELECT count(*) FROM lucid_audit_unmatched");

        var (second, _) = h.Pass();

        Assert.Equal((2L, 1L, 1L), (first.EventsRead, first.Applied, first.Unmatched));
        Assert.Equal((0L, 0L, 0L, 0), (second.EventsRead, second.Applied, second.Unmatched, second.Files));
        Assert.Equal(after, h.Records());
        Assert.Equal(unmatched, h.Scalar("SELECT count(*) FROM lucid_audit_unmatched"));
    }

    [SkippableFact]
    public void A_partial_trailing_line_is_applied_once_it_is_complete()
    {
        using var h = AuditIngestHarness.Create("a");
        string log = h.Tree.LogPath("n1", Begin, active: true);
        string second = Event(AuditAction.FileRead, "/a", T.AddMinutes(1));
        Append(log, Event(AuditAction.FileRead, "/a", T) + "\n" + second[..20]);

        var (first, _) = h.Pass();
        Assert.Equal((1L, 0L), (first.EventsRead, first.Malformed));
        Assert.Equal((T, 1L), (h.Records()["a"].LastAccessed, h.Records()["a"].Count));

        Append(log, second[20..] + "\n");
        var (completed, _) = h.Pass();
        Assert.Equal((1L, 1L, 0L), (completed.EventsRead, completed.Applied, completed.Malformed));
        Assert.Equal((T.AddMinutes(1), 2L), (h.Records()["a"].LastAccessed, h.Records()["a"].Count));
    }

    [SkippableFact]
    public void Rotation_mid_run_continues_from_the_cursor_and_never_rereads()
    {
        using var h = AuditIngestHarness.Create("a");
        string active = h.Tree.LogPath("n1", Begin, active: true);
        Append(active, Lines(Event(AuditAction.FileRead, "/a", T), Event(AuditAction.FileRead, "/a", T)));
        h.Pass();

        Append(active, Lines(Event(AuditAction.FileRead, "/a", T.AddMinutes(2))));
        File.Move(active, h.Tree.LogPath("n1", Begin, active: false));
        Append(h.Tree.LogPath("n1", Begin.AddMinutes(15), active: true), Lines(Event(AuditAction.FileRead, "/a", T.AddMinutes(16))));

        var (result, _) = h.Pass();
        Assert.Equal((2, 2L, 2L), (result.Files, result.EventsRead, result.Applied));
        Assert.Equal((T.AddMinutes(16), 4L), (h.Records()["a"].LastAccessed, h.Records()["a"].Count));
        Assert.Equal(1, h.Scalar("SELECT count(*) FROM lucid_audit_cursor WHERE audit_file LIKE '%14.30.22Z.log'"));
        Assert.Equal(2, h.Scalar("SELECT count(*) FROM lucid_audit_cursor"));
    }

    [SkippableFact]
    public void A_connection_killed_between_staging_and_apply_loses_nothing_and_applies_once()
    {
        using var h = AuditIngestHarness.Create("a", "b");
        Append(h.Tree.LogPath("n1", Begin, active: false), Lines(Event(AuditAction.FileRead, "/a", T), Event(AuditAction.FileRead, "/b", T)));
        Append(h.Tree.LogPath("n2", Begin, active: false), Lines(Event(AuditAction.FileRead, "/a", T.AddHours(1))));

        Exception crash = Assert.ThrowsAny<Exception>(() => h.Pass(beforeApply: async token =>
        {
            // Another session ends every connection of the ingest, as a crash or a network cut would.
            await using var killer = new NpgsqlConnection(h.ConnectionString + ";Application Name=killer");
            await killer.OpenAsync(token);
            await using var kill = new NpgsqlCommand(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()", killer);
            await kill.ExecuteNonQueryAsync(token);
        }));
        Assert.IsNotType<Xunit.Sdk.XunitException>(crash);
        Assert.Equal(3, h.Scalar("SELECT count(*) FROM staging_lucid_audit"));
        Assert.Equal(0, h.Scalar("SELECT count(*) FROM lucid_audit_cursor WHERE last_event_id > 0"));
        Assert.Equal(0L, h.Records()["a"].Count);

        NpgsqlConnection.ClearAllPools();
        var (resumed, _) = h.Pass();
        Assert.Equal((0L, 3L), (resumed.EventsRead, resumed.Applied));
        Assert.Equal((2L, T.AddHours(1)), (h.Records()["a"].Count, h.Records()["a"].LastAccessed));
        Assert.Equal(1L, h.Records()["b"].Count);

        var (again, _) = h.Pass();
        Assert.Equal(0L, again.Applied);
        Assert.Equal(2L, h.Records()["a"].Count);
    }

    [SkippableFact]
    public void Malformed_lines_and_skewed_timestamps_are_counted_reported_and_skipped()
    {
        using var h = AuditIngestHarness.Create("a");
        Append(h.Tree.LogPath("n1", Begin, active: true), Lines(
            Event(AuditAction.FileRead, "/a", T),
            "{\"timestamp\":12,",
            Event(AuditAction.FileRead, "/a", DateTime.UtcNow.AddDays(30)),
            "{\"timestamp\":1764426665000000,\"operation\":{\"action\":\"Teleport\",\"entryPath\":\"/a\"}}",
            Event(AuditAction.FileRead, "/a", DateTime.UtcNow.AddDays(1))));

        var (result, writer) = h.Pass();

        Assert.Equal((5L, 1L, 1L, 2L, 1L), (result.EventsRead, result.Malformed, result.Rejected, result.Applied, result.UnknownActions));
        OperationError error = Assert.Single(writer.Errors, e => e.ErrorId == ErrorIds.LucidAuditLineMalformed);
        Assert.Equal(ErrorKind.InvalidData, error.Kind);
        Assert.EndsWith(".log.active", (string)error.Target!, StringComparison.Ordinal);
        Assert.Contains("line 2:", error.Exception.Message, StringComparison.Ordinal);
        // An action this build does not know is valid input, counted and warned about, not malformed.
        Assert.Contains(writer.Warnings, w => w.Contains("unknown action 'Teleport'", StringComparison.Ordinal));
        Assert.Equal(2L, h.Records()["a"].Count);
    }

    [SkippableFact]
    public void Unmatched_events_are_queued_and_warned_about_once_per_batch()
    {
        using var h = AuditIngestHarness.Create("known");
        Append(h.Tree.LogPath("n1", Begin, active: false), Lines(Enumerable.Range(0, 50).Select(i => Event(AuditAction.FileRead, $"/unknown/{i}", T)).ToArray()));
        Append(h.Tree.LogPath("n2", Begin, active: false), Lines(Event(AuditAction.Move, "/nowhere", T, "/somewhere"), Event(AuditAction.FileRead, "/known", T)));

        var (result, writer) = h.Pass();

        Assert.Equal((51L, 1L), (result.Unmatched, result.Applied));
        string warning = Assert.Single(writer.Warnings);
        Assert.Contains("51", warning, StringComparison.Ordinal);
        Assert.Equal(51, h.Scalar("SELECT count(*) FROM lucid_audit_unmatched"));
        Assert.Equal(1, h.Scalar("SELECT count(*) FROM lucid_audit_unmatched_events WHERE action = 'Move' AND target_path = 'somewhere'"));
    }

    [SkippableFact]
    public void Moves_chain_in_time_order_whichever_log_holds_them()
    {
        using var h = AuditIngestHarness.Create("a.txt", "p/q/r.txt", "target.txt");
        // The chain a → b → c is spread over two nodes' logs; reads name the path current at their time.
        Append(h.Tree.LogPath("n2", Begin, active: false), Lines(
            Event(AuditAction.Move, "/b.txt", T.AddSeconds(2), "/c.txt"),
            Event(AuditAction.FileRead, "/c.txt", T.AddSeconds(3))));
        Append(h.Tree.LogPath("n1", Begin, active: false), Lines(
            Event(AuditAction.FileRead, "/a.txt", T),
            Event(AuditAction.Move, "/a.txt", T.AddSeconds(1), "/b.txt"),
            Event(AuditAction.Move, "/p", T.AddSeconds(1), "/z/p"),
            Event(AuditAction.Move, "/target.txt", T.AddSeconds(4), "/t2.txt")));

        var (result, _) = h.Pass();

        var records = h.Records();
        Assert.Equal(0, result.Unmatched);
        Assert.Equal(["c.txt", "t2.txt", "z/p/q/r.txt"], records.Keys.Order(StringComparer.Ordinal));
        // Both reads reached a.txt's record: one under its first name, one under its last.
        Assert.Equal((2L, T.AddSeconds(3)), (records["c.txt"].Count, records["c.txt"].LastAccessed));
        Assert.Equal(0L, records["t2.txt"].Count);
    }

    [SkippableFact]
    public void Accesses_to_planned_and_stubbed_files_are_emitted_as_warming_events()
    {
        using var h = AuditIngestHarness.Create("cold/a.mov", "cold/b.mov", "hot.txt");
        h.Execute("UPDATE file_records SET tier_state = 'planned' WHERE file_path = 'cold/a.mov'; UPDATE file_records SET tier_state = 'stubbed' WHERE file_path = 'cold/b.mov'");
        Append(h.Tree.LogPath("n1", Begin, active: false), Lines(
            Event(AuditAction.FileRead, "/cold/a.mov", T, user: "ann"),
            Event(AuditAction.FileRead, "/cold/a.mov", T.AddMinutes(3), user: "bob"),
            Event(AuditAction.FileWritten, "/cold/b.mov", T, user: "ann"),
            Event(AuditAction.FileRead, "/hot.txt", T)));

        var (result, writer) = h.Pass();

        WarmingEvent[] warming = writer.Objects.OfType<WarmingEvent>().OrderBy(w => w.Path, StringComparer.Ordinal).ToArray();
        Assert.Equal(2, result.Warming);
        Assert.Equal(["cold/a.mov", "cold/b.mov"], warming.Select(w => w.Path));
        Assert.Equal(("planned", 2L, new DateTimeOffset(T), new DateTimeOffset(T.AddMinutes(3))), (warming[0].TierState, warming[0].Accesses, warming[0].FirstAccess, warming[0].LastAccess));
        Assert.Equal(["ann", "bob"], warming[0].Users);
        Assert.Equal(("stubbed", "FileWritten"), (warming[1].TierState, warming[1].Actions.Single()));
        Assert.Equal("stubbed", h.Records()["cold/b.mov"].Tier);
    }

    [SkippableFact]
    public void Two_tenants_side_by_side_keep_their_own_cursors_and_a_filespace_has_one_tenant()
    {
        using var h = AuditIngestHarness.Create("shared.txt");
        using var other = new AuditTrailWriter();
        h.Import(other.Root, ["shared.txt"]);
        Append(h.Tree.LogPath("n1", Begin, active: false), Lines(Event(AuditAction.FileRead, "/shared.txt", T)));
        Append(other.LogPath("n1", Begin, active: false), Lines(Event(AuditAction.FileRead, "/shared.txt", T.AddDays(1)), Event(AuditAction.FileRead, "/shared.txt", T.AddDays(1))));

        var (a, _) = h.Pass(tenant: "acme");
        var (b, _) = h.Pass(root: other.Root, tenant: "globex");

        Assert.Equal((1L, 2L), (a.Applied, b.Applied));
        Assert.Equal(1, h.Scalar("SELECT count(*) FROM lucid_audit_cursor WHERE tenant_id = 'acme'"));
        Assert.Equal(1, h.Scalar("SELECT count(*) FROM lucid_audit_cursor WHERE tenant_id = 'globex'"));
        Assert.Equal(3, h.Scalar("SELECT sum(access_count) FROM file_records"));

        var clash = Assert.Throws<DiskToolsException>(() => h.Pass(tenant: "globex"));
        Assert.Equal("LucidAuditRootOwnedByOtherTenant", clash.ErrorId);
    }

    [SkippableFact]
    public void Logs_are_staged_in_chunks_and_applied_in_rounds_with_the_same_result()
    {
        using var h = AuditIngestHarness.Create("a", "b");
        for (int node = 0; node < 3; node++)
        {
            Append(h.Tree.LogPath($"n{node}", Begin, active: false),
                Lines(Enumerable.Range(0, 40).Select(i => Event(AuditAction.FileRead, i % 2 == 0 ? "/a" : "/b", T.AddSeconds(node * 100 + i))).ToArray()));
        }

        var (result, _) = h.Pass(options: new AuditIngestOptions { ChunkLines = 7, RoundEvents = 25, MaxConcurrency = 2 });

        Assert.Equal((120L, 120L), (result.EventsRead, result.Applied));
        Assert.Equal((60L, T.AddSeconds(238)), (h.Records()["a"].Count, h.Records()["a"].LastAccessed));
        Assert.Equal((60L, T.AddSeconds(239)), (h.Records()["b"].Count, h.Records()["b"].LastAccessed));
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_round_of_accesses_only_raises_times_counts_and_revives_written_records(bool plannedAsLarge)
    {
        // No creates or deletes pending: the narrower update applies, with the same rules as the general one.
        using var h = AuditIngestHarness.Create("r.txt", "read-gone.txt", "written-gone.txt");
        h.Execute("UPDATE file_records SET tier_state = 'deleted' WHERE file_path LIKE '%gone.txt'");
        h.Execute("UPDATE file_records SET last_accessed = '2030-01-01T00:00:00Z' WHERE file_path = 'r.txt'");
        AuditIngestOptions? options = PlannedAsLarge(h, plannedAsLarge);
        Append(h.Tree.LogPath("n1", Begin, active: false), Lines(
            Event(AuditAction.FileRead, "/r.txt", T),
            Event(AuditAction.FileWritten, "/r.txt", T.AddSeconds(3)),
            Event(AuditAction.FileRead, "/read-gone.txt", T),
            Event(AuditAction.FileWritten, "/written-gone.txt", T)));

        var (result, _) = h.Pass(options: options);

        Assert.Equal((4L, 0L), (result.Applied, result.Unmatched));
        var records = h.Records();
        // A later last_accessed is never lowered, and its source stays; the accesses still count.
        Assert.Equal((new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc), "initial_scan", "none", 2L),
            (records["r.txt"].LastAccessed, records["r.txt"].Source, records["r.txt"].Tier, records["r.txt"].Count));
        Assert.Equal(("deleted", T, 1L), (records["read-gone.txt"].Tier, records["read-gone.txt"].LastAccessed, records["read-gone.txt"].Count));
        Assert.Equal(("none", T), (records["written-gone.txt"].Tier, records["written-gone.txt"].LastAccessed));
    }

    [SkippableFact]
    public async Task The_update_walks_the_inventory_in_id_order_only_when_its_rows_lie_in_that_order()
    {
        using var h = AuditIngestHarness.Create(Enumerable.Range(0, 200).Select(i => $"f{i:D3}").ToArray());
        await using NpgsqlConnection connection = h.Open();

        // The import analyzed what it loaded: the rows lie in id order.
        Assert.True(await AuditApplier.RecordsLieInIdOrderAsync(connection, CancellationToken.None));

        // Without statistics the planner's own choice stands.
        h.Execute("DELETE FROM pg_statistic WHERE starelid = 'file_records'::regclass");
        Assert.False(await AuditApplier.RecordsLieInIdOrderAsync(connection, CancellationToken.None));
        h.Execute("ANALYZE file_records");
        Assert.True(await AuditApplier.RecordsLieInIdOrderAsync(connection, CancellationToken.None));

        // The same records written back in reverse id order: walking them by id would jump around the table.
        h.Execute("""
            CREATE TEMP TABLE copied AS SELECT * FROM file_records;
            DELETE FROM file_records;
            INSERT INTO file_records (id, repository_id, file_path, file_size, mod_time, mtime_ns, ctime_ns, inode, dev, last_accessed, last_accessed_source)
            OVERRIDING SYSTEM VALUE
            SELECT id, repository_id, file_path, file_size, mod_time, mtime_ns, ctime_ns, inode, dev, last_accessed, last_accessed_source FROM copied ORDER BY id DESC;
            """);
        h.Execute("VACUUM ANALYZE file_records");
        Assert.False(await AuditApplier.RecordsLieInIdOrderAsync(connection, CancellationToken.None));
    }

    [SkippableFact]
    public void Non_ascii_paths_match_their_records()
    {
        // Staging writes the path's UTF-8 bytes and their digest itself; both must equal the inventory's.
        using var h = AuditIngestHarness.Create("Café/ü 📁.txt");
        Append(h.Tree.LogPath("n1", Begin, active: false), Lines(Event(AuditAction.FileRead, "/Café/ü 📁.txt", T)));

        var (result, _) = h.Pass();

        Assert.Equal((1L, 0L), (result.Applied, result.Unmatched));
        Assert.Equal(T, h.Records()["Café/ü 📁.txt"].LastAccessed);
        Assert.Equal(1, h.Scalar("SELECT count(*) FROM staging_lucid_audit WHERE entry_path = 'Café/ü 📁.txt' AND entry_digest = disktools_path_digest(entry_path)"));
    }

    [SkippableFact]
    public void Applied_staging_rows_older_than_the_retention_are_removed()
    {
        using var h = AuditIngestHarness.Create("a");
        Append(h.Tree.LogPath("n1", Begin, active: false), Lines(Event(AuditAction.FileRead, "/a", T), Event(AuditAction.FileRead, "/a", T)));
        h.Pass();
        Assert.Equal(2, h.Scalar("SELECT count(*) FROM staging_lucid_audit"));

        h.Execute("UPDATE lucid_audit_staged_chunks SET staged_utc = now() - interval '2 days'");
        Append(h.Tree.LogPath("n1", Begin, active: false), Lines(Event(AuditAction.FileRead, "/a", T.AddSeconds(1))));
        h.Pass();

        // The old chunk's rows are gone; the one staged by this pass stays for its retention.
        Assert.Equal(1, h.Scalar("SELECT count(*) FROM staging_lucid_audit"));
        Assert.Equal(3, h.Scalar("SELECT min(line_number) FROM staging_lucid_audit"));
        Assert.Equal(1, h.Scalar("SELECT count(*) FROM lucid_audit_staged_chunks"));
        Assert.Equal(3L, h.Records()["a"].Count);
    }
}
