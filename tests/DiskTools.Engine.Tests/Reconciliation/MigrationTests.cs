using DiskTools.Engine.Output;
using DiskTools.Engine.Storage;
using DiskTools.TestFixtures;
using Npgsql;
using Xunit;

namespace DiskTools.Engine.Tests.Reconciliation;

public sealed class MigrationTests
{
    [SkippableFact]
    public async Task Migrates_an_empty_database_and_rerunning_changes_nothing()
    {
        Inventory.Require();
        string cs = PostgresCluster.Shared.CreateDatabase();
        InventoryDatabase db = Inventory.Open(cs);
        MigrationResult first = await MigrationRunner.MigrateAsync(db, CancellationToken.None);
        Assert.Equal(0, first.PreviousVersion);
        Assert.Equal(Migration.LatestVersion, first.CurrentVersion);
        Assert.Equal(Migration.Embedded.Select(m => m.Version), first.Applied);

        MigrationResult again = await MigrationRunner.MigrateAsync(db, CancellationToken.None);
        Assert.Empty(again.Applied);
        Assert.Equal(Migration.LatestVersion, again.CurrentVersion);

        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var tables = new NpgsqlCommand("SELECT count(*) FROM pg_tables WHERE tablename IN ('repositories','file_records','sync_operations','repository_watchers')", connection);
        Assert.Equal(4L, await tables.ExecuteScalarAsync());
    }

    [SkippableFact]
    public async Task Concurrent_runners_apply_each_migration_once()
    {
        Inventory.Require();
        InventoryDatabase db = Inventory.Open(PostgresCluster.Shared.CreateDatabase());
        MigrationResult[] results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => MigrationRunner.MigrateAsync(db, CancellationToken.None)));
        Assert.Equal(Migration.Embedded.Count, results.Sum(r => r.Applied.Count));
    }

    [SkippableFact]
    public async Task A_newer_schema_or_an_edited_migration_is_refused()
    {
        Inventory.Require();
        string cs = PostgresCluster.Shared.CreateDatabase();
        InventoryDatabase db = Inventory.Open(cs);
        await MigrationRunner.MigrateAsync(db, CancellationToken.None);
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();

        await using (var edit = new NpgsqlCommand("UPDATE disktools_schema_migrations SET checksum = repeat('0', 64) WHERE version = 1", connection))
        {
            await edit.ExecuteNonQueryAsync();
        }

        var modified = await Assert.ThrowsAsync<DiskToolsException>(() => MigrationRunner.MigrateAsync(db, CancellationToken.None));
        Assert.Equal(ErrorIds.InventorySchemaMigrationModified, modified.ErrorId);

        await using (var newer = new NpgsqlCommand("INSERT INTO disktools_schema_migrations (version, name, checksum) VALUES (999, 'future', 'x')", connection))
        {
            await newer.ExecuteNonQueryAsync();
        }

        var tooNew = await Assert.ThrowsAsync<DiskToolsException>(() => MigrationRunner.MigrateAsync(db, CancellationToken.None));
        Assert.Equal(ErrorIds.InventorySchemaTooNew, tooNew.ErrorId);
        Assert.Contains("999", tooNew.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_password_is_scrubbed_from_messages_and_never_in_the_description()
    {
        var db = InventoryDatabase.Open("Host=127.0.0.1;Port=1;Database=x;Username=u;Password=s3cr3t-pw", null);
        Assert.DoesNotContain("s3cr3t-pw", db.Description, StringComparison.Ordinal);
        Assert.Equal("failed for ********", db.Scrub("failed for s3cr3t-pw"));
        if (Environment.GetEnvironmentVariable(InventoryDatabase.EnvironmentVariable) is null)
        {
            var missing = Assert.Throws<DiskToolsException>(() => InventoryDatabase.Open(null, null));
            Assert.Equal(ErrorIds.InventoryConnectionMissing, missing.ErrorId);
        }
    }
}
