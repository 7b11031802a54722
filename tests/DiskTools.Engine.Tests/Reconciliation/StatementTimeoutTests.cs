using System.Globalization;
using System.Text.RegularExpressions;
using DiskTools.Engine.Reconciliation;
using DiskTools.Engine.Storage;
using DiskTools.TestFixtures;
using Npgsql;
using Xunit;

namespace DiskTools.Engine.Tests.Reconciliation;

/// <summary>A statement timeout the server, role or database sets never turns into a failed pass.</summary>
public sealed partial class StatementTimeoutTests : IClassFixture<PostgresDatabase>
{
    private readonly PostgresDatabase database;

    public StatementTimeoutTests(PostgresDatabase database) => this.database = database;

    [SkippableFact]
    public async Task A_pass_completes_when_the_database_sets_a_statement_timeout_shorter_than_its_statements()
    {
        Inventory.Require();
        await MigrationRunner.MigrateAsync(Inventory.Open(database.ConnectionString), CancellationToken.None);
        await using (NpgsqlConnection admin = database.Open())
        {
            await using var alter = new NpgsqlCommand($"ALTER DATABASE \"{database.Name}\" SET statement_timeout = '50ms'", admin);
            await alter.ExecuteNonQueryAsync();
        }

        // A connection string of its own, so every connection the pass opens is new and starts with the setting.
        string limited = new NpgsqlConnectionStringBuilder(database.ConnectionString) { ApplicationName = "short-timeout" }.ConnectionString;
        await using (var probe = new NpgsqlConnection(limited))
        {
            await probe.OpenAsync();
            await using var show = new NpgsqlCommand("SHOW statement_timeout", probe);
            Assert.Equal("50ms", await show.ExecuteScalarAsync());
            await using var sleep = new NpgsqlCommand("SELECT pg_sleep(0.2)", probe);
            Assert.Equal(PostgresErrorCodes.QueryCanceled, (await Assert.ThrowsAsync<PostgresException>(() => sleep.ExecuteNonQueryAsync())).SqlState);
        }

        using var tree = new ScratchTree(Directory.Exists("/dev/shm") ? "/dev/shm" : null); // tmpfs: quick to fill
        InventoryDatabase db = Inventory.Open(limited);
        var writer = new RecordingWriter();

        // The walk streams into one COPY statement that must itself run well past the timeout. How many files that
        // takes depends on the machine, so the tree doubles until it does; every round is a whole pass of its own.
        int files = 0;
        double copySeconds = 0;
        for (int added = 20_000; copySeconds <= 0.15 && files < 640_000; added = files)
        {
            Bulk.Create(tree.Root, added, files);
            files += added;
            writer.Verbose.Clear();
            ReconciliationOperation first = await Reconciler.RunPassAsync(db, tree.Root, new ReconciliationOptions { Hash = false }, writer, CancellationToken.None);
            Assert.True(first.Status == "completed", $"pass over {files} files {first.Status}: {first.ErrorMessage}");
            Assert.Equal((files, added), (first.FilesScanned, first.FilesAdded));
            Match copy = CopyTime().Match(string.Join("\n", writer.Verbose));
            Assert.True(copy.Success, "no walk + COPY time reported");
            copySeconds = double.Parse(copy.Groups[1].Value.Replace(',', '.'), CultureInfo.InvariantCulture);
        }

        Assert.True(copySeconds > 0.15, $"the walk and COPY of {files} files took only {copySeconds} s");

        // Removals, changes and hashing under the same timeout.
        for (int i = 0; i < 100; i++)
        {
            File.Delete(Path.Combine(tree.Root, Bulk.RelativePath(i * 13)));
            File.WriteAllText(Path.Combine(tree.Root, Bulk.RelativePath((i * 13) + 1)), "changed");
        }

        await Task.Delay(50); // files just written are older than the racy-timestamp window
        ReconciliationOperation second = await Reconciler.RunPassAsync(db, tree.Root, new ReconciliationOptions(), writer, CancellationToken.None);
        Assert.True(second.Status == "completed", $"second pass {second.Status}: {second.ErrorMessage}");
        Assert.Equal((files - 100, 0, 100), (second.FilesScanned, second.FilesAdded, second.FilesRemoved));
        Assert.True(second.FilesUpdated >= 100, $"{second.FilesUpdated} updated"); // the changed files, and every file the first pass did not hash
        // The check itself reads 20,000 rows: over a connection of its own that the database's timeout does not cut short.
        string unlimited = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Options = "-c statement_timeout=0" }.ConnectionString;
        Assert.Equal(files - 100, Inventory.Records(unlimited, tree.Root).Count);
        Assert.Empty(writer.Errors);

        // Only the pass's own connections were exempt: the pool hands the next command the configured timeout again.
        await using NpgsqlConnection pooled = await db.ConnectAsync(CancellationToken.None);
        await using var after = new NpgsqlCommand("SHOW statement_timeout", pooled);
        Assert.Equal("50ms", await after.ExecuteScalarAsync());
    }

    [GeneratedRegex(@"walk \+ COPY of [\d,.]+ files ([\d.,]+) s")]
    private static partial Regex CopyTime();
}
