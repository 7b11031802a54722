using DiskTools.Engine.Storage;
using DiskTools.Engine.Tests.Reconciliation;
using DiskTools.TestFixtures;
using Npgsql;
using Xunit;

namespace DiskTools.Engine.Tests.Storage;

/// <summary>Registering roots on real PostgreSQL, as passes and imports starting at the same moment do.</summary>
public sealed class RootStoreTests
{
    [SkippableFact]
    public async Task Many_registrations_of_one_new_root_at_once_all_get_the_one_root()
    {
        Inventory.Require();
        var database = InventoryDatabase.Open(PostgresCluster.Shared.CreateDatabase(), null);
        _ = await RootStore.ListAsync(database, null, CancellationToken.None); // the schema, before the race

        // Each round: a new root registered by eight callers at once. The losers of the insert used to read
        // nothing back (their snapshot predates the winner's commit) and failed.
        for (int round = 0; round < 10; round++)
        {
            string path = $"/srv/race-{round}";
            using var start = new ManualResetEventSlim();
            Task<InventoryRoot>[] registrations = [.. Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
            {
                start.Wait();
                return await RootStore.RegisterAsync(database, path, withRecordsPartition: true, CancellationToken.None);
            }))];
            start.Set();
            InventoryRoot[] roots = await Task.WhenAll(registrations);

            Assert.Single(roots.Select(r => r.Id).Distinct());
            Assert.All(roots, r => Assert.Equal(path, r.RootPath));
        }

        await using NpgsqlConnection connection = await database.DataSource.OpenConnectionAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM repositories WHERE root_path LIKE '/srv/race-%'", connection);
        Assert.Equal(10L, (long)(await count.ExecuteScalarAsync())!);
    }
}
