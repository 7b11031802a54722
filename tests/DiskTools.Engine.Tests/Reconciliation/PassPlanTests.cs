using DiskTools.Engine.Reconciliation;
using DiskTools.Engine.Storage;
using DiskTools.TestFixtures;
using Npgsql;
using Xunit;

namespace DiskTools.Engine.Tests.Reconciliation;

/// <summary>Set-based pass steps whose plans do not depend on how fresh file_records' statistics are.</summary>
public sealed class PassPlanTests : IClassFixture<PostgresDatabase>
{
    private readonly PostgresDatabase database;

    public PassPlanTests(PostgresDatabase database) => this.database = database;

    [SkippableFact]
    public async Task A_pass_after_a_large_first_pass_with_stale_statistics_completes_and_removes_deleted_files()
    {
        Inventory.Require();
        InventoryDatabase db = Inventory.Open(database.ConnectionString);
        var writer = new RecordingWriter();

        // Statistics taken while file_records held one small repository only, and never again (autovacuum
        // off for the table): to the planner any other repository has about one record.
        using var small = new ScratchTree();
        for (int i = 0; i < 20; i++)
        {
            small.Write($"f{i}", "x");
        }

        Assert.Equal("completed", (await Reconciler.RunPassAsync(db, small.Root, new ReconciliationOptions { Hash = false }, writer, CancellationToken.None)).Status);

        // The large root is registered (its partition of file_records made) and measured while still empty.
        const int files = 60_000;
        using var large = new ScratchTree();
        await RootStore.RegisterAsync(db, large.Root, CancellationToken.None);
        await using (NpgsqlConnection c = database.Open())
        {
            await using var analyze = new NpgsqlCommand("""
                DO $$ DECLARE p regclass; BEGIN
                    FOR p IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'file_records'::regclass LOOP
                        EXECUTE format('ALTER TABLE %s SET (autovacuum_enabled = false)', p);
                    END LOOP;
                END $$;
                ANALYZE file_records
                """, c);
            await analyze.ExecuteNonQueryAsync();
        }

        // A large first pass of the new root, then some of its files go.
        Bulk.Create(large.Root, files);
        ReconciliationOperation first = await Reconciler.RunPassAsync(db, large.Root, new ReconciliationOptions { Hash = false }, writer, CancellationToken.None);
        Assert.Equal(("completed", files), (first.Status, first.FilesAdded));
        for (int i = 0; i < 25; i++)
        {
            File.Delete(Path.Combine(large.Root, Bulk.RelativePath(i * 7)));
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        ReconciliationOperation second = await Reconciler.RunPassAsync(db, large.Root, new ReconciliationOptions { Hash = false }, writer, CancellationToken.None);
        clock.Stop();
        Assert.True(second.Status == "completed", $"second pass {second.Status}: {second.ErrorMessage}");
        Assert.Equal((files - 25, 0, 0, 25), (second.FilesScanned, second.FilesAdded, second.FilesUpdated, second.FilesRemoved));
        // The nested-loop plan the stale statistics invite needs minutes for this; a hash anti-join well under a second.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"second pass took {clock.Elapsed}");
        Assert.Equal(files - 25, Inventory.Records(database.ConnectionString, large.Root).Count);
        Assert.Empty(writer.Errors);
    }
}

/// <summary>Many empty files quickly, in directories of 1000.</summary>
internal static class Bulk
{
    public static string RelativePath(int i) => $"d{i / 1000:D3}/f{i:D6}";

    public static void Create(string root, int count, int first = 0)
    {
        for (int i = first; i < first + count; i++)
        {
            if (i % 1000 == 0 || i == first)
            {
                Directory.CreateDirectory(Path.Combine(root, $"d{i / 1000:D3}"));
            }

            File.Create(Path.Combine(root, RelativePath(i))).Dispose();
        }
    }
}
