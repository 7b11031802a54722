using DiskTools.Engine.Output;
using DiskTools.Engine.Reconciliation;
using DiskTools.Engine.Reconciliation.Watch;
using DiskTools.Engine.Storage;
using DiskTools.TestFixtures;
using Npgsql;
using Xunit;

namespace DiskTools.Engine.Tests.Reconciliation;

public sealed class DatabaseFailureTests
{
    [SkippableFact]
    public async Task Database_stopped_mid_pass_loses_nothing_and_a_rerun_completes()
    {
        Inventory.Require();
        using PostgresCluster cluster = PostgresCluster.StartPrivate();
        string cs = cluster.CreateDatabase();
        using var tree = new ScratchTree();
        tree.Write("kept/old.txt", "recorded before");
        var writer = new RecordingWriter();
        InventoryDatabase db = Inventory.Open(cs);
        await Task.Delay(50); // older than the 10 ms racy-timestamp window, so the file is recorded, not deferred
        await Reconciler.RunPassAsync(db, tree.Root, new ReconciliationOptions(), writer, CancellationToken.None);
        File.Delete(tree["kept/old.txt"]); // an orphan the failed pass must NOT delete
        for (int i = 0; i < 40; i++)
        {
            tree.Write($"new/f{i}.txt", $"n{i}");
        }

        var stopping = new ReconciliationOptions
        {
            BatchSize = 10,
            AfterBatchCommitted = (n, _) =>
            {
                if (n == 1)
                {
                    cluster.Stop();
                }

                return Task.CompletedTask;
            },
        };
        ReconciliationOperation failed = await Reconciler.RunPassAsync(db, tree.Root, stopping, writer, CancellationToken.None);
        Assert.Equal("failed", failed.Status);
        Assert.False(string.IsNullOrEmpty(failed.ErrorMessage));
        Assert.Contains(writer.Errors, e => e.ErrorId == ErrorIds.ReconciliationFailed);

        cluster.Start();
        var afterRestart = Inventory.Records(cs, tree.Root);
        Assert.Contains("kept/old.txt", afterRestart.Keys); // nothing deleted by the failed pass
        Assert.Equal(10, afterRestart.Keys.Count(k => k.StartsWith("new/", StringComparison.Ordinal))); // the committed batch stayed

        ReconciliationOperation rerun = await Reconciler.RunPassAsync(db, tree.Root, new ReconciliationOptions(), writer, CancellationToken.None);
        Assert.Equal(("completed", 30, 1), (rerun.Status, rerun.FilesAdded, rerun.FilesRemoved));
        Assert.Equal(40, Inventory.Records(cs, tree.Root).Count);
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var statuses = new NpgsqlCommand("SELECT string_agg(status, ',' ORDER BY id) FROM sync_operations", connection);
        Assert.Equal("completed,failed,completed", await statuses.ExecuteScalarAsync());
    }
}

public sealed class WatchTests : IClassFixture<PostgresDatabase>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly PostgresDatabase database;

    public WatchTests(PostgresDatabase database) => this.database = database;

    private async Task<bool> Eventually(Func<Dictionary<string, (string? Hash, uint Xmin, long Size)>, bool> condition, string root)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (condition(Inventory.Records(database.ConnectionString, root)))
            {
                return true;
            }

            await Task.Delay(200);
        }

        return false;
    }

    private (Task Run, CancellationTokenSource Stop, RecordingWriter Writer) Start(string root, TimeSpan? debounce = null)
    {
        var stop = new CancellationTokenSource();
        var writer = new RecordingWriter();
        var options = new ReconciliationOptions { DebounceInterval = debounce ?? TimeSpan.FromMilliseconds(200), MaxConcurrency = 2 };
        Task run = WatchSession.RunAsync(Inventory.Open(database.ConnectionString), root, options, writer, stop.Token);
        return (run, stop, writer);
    }

    private static async Task<TimeSpan> StopAsync(Task run, CancellationTokenSource stop)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await stop.CancelAsync();
        try
        {
            await run; // a stop between two rounds ends the loop normally
        }
        catch (OperationCanceledException)
        {
            // a stop during a round cancels it
        }

        return clock.Elapsed;
    }

    [SkippableFact]
    public async Task Watch_follows_creates_writes_deletes_and_renames_of_files_and_directories_then_stops_promptly()
    {
        Inventory.Require();
        using var tree = new ScratchTree();
        tree.Write("a/existing.txt", "one");
        tree.Write("a/deep/moved-dir-file.txt", "in dir");
        var (run, stop, writer) = Start(tree.Root);
        Assert.True(await Eventually(r => r.ContainsKey("a/existing.txt"), tree.Root));

        string created = tree.Write("a/new.txt", "fresh");
        File.WriteAllText(tree["a/existing.txt"], "two!");
        Directory.Move(tree["a/deep"], tree["b-moved"]);                    // a directory renamed
        Directory.CreateDirectory(tree["c/d/e"]);
        tree.Write("c/d/e/inside-new-dir.txt", "nested");              // files in a brand-new directory
        File.Move(created, tree["a/renamed.txt"]);                      // a file renamed
        tree.Write("doomed.txt", "x");
        File.Delete(tree["doomed.txt"]);

        string expectedHash = Inventory.Sha256(tree["a/existing.txt"]);
        Assert.True(await Eventually(
            r => r.Keys.Order(StringComparer.Ordinal).SequenceEqual(["a/existing.txt", "a/renamed.txt", "b-moved/moved-dir-file.txt", "c/d/e/inside-new-dir.txt"])
                 && r["a/existing.txt"].Hash == expectedHash,
            tree.Root), string.Join(", ", Inventory.Records(database.ConnectionString, tree.Root).Keys));

        var status = await InventoryQueries.GetStatusAsync(Inventory.Open(database.ConnectionString), tree.Root, CancellationToken.None);
        Assert.True(status[0].IsWatching);
        Assert.NotNull(status[0].NextReconciliation);

        TimeSpan stopped = await StopAsync(run, stop);
        Assert.True(stopped < TimeSpan.FromSeconds(3), $"stopping took {stopped}");
        Assert.Contains(writer.Objects.OfType<ReconciliationOperation>(), o => o.OperationType == OperationTypes.Startup && o.Status == "completed");
        Assert.Contains(writer.Objects.OfType<ReconciliationOperation>(), o => o.OperationType == OperationTypes.Realtime && o.FilesAdded > 0);
        Assert.False((await InventoryQueries.GetStatusAsync(Inventory.Open(database.ConnectionString), tree.Root, CancellationToken.None))[0].IsWatching);
    }

    [SkippableFact]
    public async Task Watch_carries_renamed_files_and_directories_with_their_history_and_keeps_a_deleted_stub_absent()
    {
        Inventory.Require();
        using var tree = new ScratchTree();
        tree.Write("film", new string('f', 3000));
        tree.Write("dir/inside.txt", "inside");
        tree.Write("stub.bin", "stubbed content");
        for (int i = 0; i < 20; i++)
        {
            tree.Write($"other/f{i}.txt", $"o{i}");
        }

        var (run, stop, _) = Start(tree.Root);
        Assert.True(await Eventually(r => r.Count == 23, tree.Root));
        string history = """
            UPDATE file_records f SET tier_state = 'stubbed', access_count = 4, last_accessed = now()
            FROM repositories r WHERE r.id = f.repository_id AND r.root_path = $1 AND f.file_path IN ('film', 'dir/inside.txt', 'stub.bin')
            RETURNING f.id
            """;
        Assert.Equal(3, Query(history, tree.Root).Count);
        string ids = "SELECT f.file_path || '=' || f.id || ':' || f.tier_state || ':' || f.access_count || ':' || (f.absent_since IS NOT NULL) FROM file_records f JOIN repositories r ON r.id = f.repository_id WHERE r.root_path = $1 ORDER BY f.id";
        List<string> before = Query(ids, tree.Root).Where(l => !l.StartsWith("other/", StringComparison.Ordinal)).ToList();

        File.Move(tree["film"], tree["film_renamed"]);
        Directory.Move(tree["dir"], tree["dir2"]);
        File.Delete(tree["stub.bin"]);
        Assert.True(await Eventually(r => r.ContainsKey("film_renamed") && r.ContainsKey("dir2/inside.txt") && !r.ContainsKey("film") && !r.ContainsKey("dir/inside.txt")
                                          && Query(ids, tree.Root).Any(l => l.StartsWith("stub.bin=", StringComparison.Ordinal) && l.EndsWith(":true", StringComparison.Ordinal)), tree.Root),
            string.Join(", ", Query(ids, tree.Root)));
        List<string> after = Query(ids, tree.Root).Where(l => !l.StartsWith("other/", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            before.Select(l => l.Replace("film=", "film_renamed=", StringComparison.Ordinal).Replace("dir/", "dir2/", StringComparison.Ordinal)
                                .Replace(":false", l.StartsWith("stub.bin=", StringComparison.Ordinal) ? ":true" : ":false", StringComparison.Ordinal)),
            after);
        await StopAsync(run, stop);
    }

    private List<string> Query(string sql, string root)
    {
        using NpgsqlConnection connection = database.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = root });
        using NpgsqlDataReader reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(reader.GetValue(0).ToString()!);
        }

        return rows;
    }

    [SkippableFact]
    public async Task A_burst_of_20000_files_in_new_directories_is_recorded_completely()
    {
        Inventory.Require();
        using var tree = new ScratchTree();
        var (run, stop, writer) = Start(tree.Root);
        Assert.True(SpinWait.SpinUntil(() => writer.Objects.OfType<ReconciliationOperation>().Any(), Patience), "no startup pass");
        for (int d = 0; d < 40; d++)
        {
            string dir = tree[$"burst/d{d:D2}/sub"];
            Directory.CreateDirectory(dir);
            for (int f = 0; f < 500; f++)
            {
                File.WriteAllText(Path.Combine(dir, $"f{f:D3}.txt"), "b");
            }
        }

        Assert.True(await Eventually(r => r.Count == 20_000, tree.Root), $"{Inventory.Records(database.ConnectionString, tree.Root).Count} of 20000 recorded");
        await StopAsync(run, stop);
    }

    [SkippableFact]
    public async Task A_watcher_queue_overflow_is_recovered_by_a_root_rescan()
    {
        Inventory.Require();
        Prerequisite.Require(Prerequisite.IsRoot, "root, to lower fs.inotify.max_queued_events for this watcher only");
        const string knob = "/proc/sys/fs/inotify/max_queued_events";
        string original = File.ReadAllText(knob).Trim();
        using var tree = new ScratchTree();
        (Task run, CancellationTokenSource stop, RecordingWriter _) session;
        File.WriteAllText(knob, "16"); // read once when the watcher's inotify instance is created
        try
        {
            session = Start(tree.Root);
            await Task.Delay(1500);
        }
        finally
        {
            File.WriteAllText(knob, original);
        }

        for (int i = 0; i < 500; i++)
        {
            File.WriteAllText(tree[$"o{i:D3}.txt"], "x"); // far more events than a 16-event queue holds
        }

        Assert.True(await Eventually(r => r.Count == 500, tree.Root), $"{Inventory.Records(database.ConnectionString, tree.Root).Count} of 500 recorded");
        await StopAsync(session.run, session.stop);
    }
}
