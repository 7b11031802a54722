using System.Diagnostics;
using DiskTools.Engine.InventoryImport;
using DiskTools.Engine.LucidAudit;
using DiskTools.Engine.Output;
using DiskTools.Engine.Storage;
using DiskTools.Engine.Tests.LucidAudit;
using DiskTools.TestFixtures;
using Npgsql;
using Xunit;

namespace DiskTools.Engine.Tests.Reconciliation;

/// <summary>
/// Database trouble is a DiskTools error with a stable id, a precise category and the database as target
/// (never the password), within seconds: against real PostgreSQL servers, stopped, missing or strict.
/// </summary>
public sealed class DatabaseTroubleTests
{
    private const string Secret = "s3cret-Pa55word";

    /// <summary>A loopback port nothing listens on (bound once by us, then closed).</summary>
    private static int ClosedPort()
    {
        using var socket = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        socket.Start();
        int port = ((System.Net.IPEndPoint)socket.LocalEndpoint).Port;
        socket.Stop();
        return port;
    }

    private static async Task<DiskToolsException> FailsAsync(string connectionString, TimeSpan within)
    {
        InventoryDatabase database = InventoryDatabase.Open(connectionString, null);
        var clock = Stopwatch.StartNew();
        DiskToolsException e = await Assert.ThrowsAsync<DiskToolsException>(() => RootStore.ListAsync(database, null, CancellationToken.None));
        Assert.True(clock.Elapsed < within, $"took {clock.Elapsed}");
        Assert.DoesNotContain(Secret, e.Message, StringComparison.Ordinal);
        Assert.Equal(database.Description, e.Target);
        return e;
    }

    [SkippableFact]
    public async Task A_server_that_is_not_there_is_reported_as_unreachable_within_seconds()
    {
        Inventory.Require();
        int port = ClosedPort();
        DiskToolsException e = await FailsAsync($"Host=127.0.0.1;Port={port};Username=alice;Password={Secret};Database=inv", TimeSpan.FromSeconds(8));

        Assert.Equal((ErrorIds.InventoryDatabaseUnreachable, ErrorKind.ConnectionError), (e.ErrorId, e.Kind));
        Assert.Equal($"alice@127.0.0.1:{port}/inv", e.Target);
        Assert.Contains("-ConnectionString", e.Message, StringComparison.Ordinal);
        Assert.Contains("Timeout=", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_longer_timeout_in_the_connection_string_is_honoured()
    {
        Inventory.Require();
        int port = ClosedPort();
        InventoryDatabase database = InventoryDatabase.Open($"Host=127.0.0.1;Port={port};Username=alice;Database=inv;Timeout=12", null);
        Assert.Equal(TimeSpan.FromSeconds(12), database.ConnectBudget);
        Assert.Equal(InventoryDatabase.DefaultConnectBudget, InventoryDatabase.Open($"Host=127.0.0.1;Port={port};Database=inv", null).ConnectBudget);

        var clock = Stopwatch.StartNew();
        DiskToolsException e = await Assert.ThrowsAsync<DiskToolsException>(() => RootStore.ListAsync(database, null, CancellationToken.None));
        Assert.Equal(ErrorIds.InventoryDatabaseUnreachable, e.ErrorId);
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(5), $"gave up after {clock.Elapsed}, before the 12 s asked for");
    }

    [SkippableFact]
    public async Task A_missing_database_is_object_not_found_at_once()
    {
        Inventory.Require();
        PostgresCluster cluster = PostgresCluster.Shared;
        var builder = new NpgsqlConnectionStringBuilder(cluster.ConnectionString("postgres")) { Database = "no_such_inventory_" + Guid.NewGuid().ToString("N")[..6], Password = Secret };
        DiskToolsException e = await FailsAsync(builder.ConnectionString, TimeSpan.FromSeconds(3));

        Assert.Equal((ErrorIds.InventoryDatabaseNotFound, ErrorKind.ObjectNotFound), (e.ErrorId, e.Kind));
        Assert.Equal($"postgres@127.0.0.1:{cluster.Port}/{builder.Database}", e.Target);
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Refused_or_missing_credentials_are_an_authentication_error()
    {
        Inventory.Require();
        using PostgresCluster cluster = PostgresCluster.StartPrivate();
        using (var admin = new NpgsqlConnection(cluster.ConnectionString("postgres")))
        {
            admin.Open();
            using var command = new NpgsqlCommand($"CREATE ROLE strict LOGIN PASSWORD 'right-one'", admin);
            command.ExecuteNonQuery();
        }

        // That role, and only it, must give a password.
        string hba = Path.Combine(cluster.DataDirectory, "pg_hba.conf");
        File.WriteAllText(hba, "host all strict 127.0.0.1/32 scram-sha-256\n" + File.ReadAllText(hba));
        using (var admin = new NpgsqlConnection(cluster.ConnectionString("postgres")))
        {
            admin.Open();
            using var reload = new NpgsqlCommand("SELECT pg_reload_conf()", admin);
            reload.ExecuteNonQuery();
        }

        string Strict(string? password) => new NpgsqlConnectionStringBuilder(cluster.ConnectionString("postgres")) { Username = "strict", Password = password }.ConnectionString;
        // The reload is asynchronous: wait until the server asks this role for a password.
        DiskToolsException wrong = null!;
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            NpgsqlConnection.ClearAllPools();
            try
            {
                await RootStore.ListAsync(InventoryDatabase.Open(Strict(Secret), null), null, CancellationToken.None);
            }
            catch (DiskToolsException e)
            {
                wrong = e;
            }
        }
        while (wrong is null && DateTime.UtcNow < deadline);

        Assert.NotNull(wrong);
        Assert.Equal((ErrorIds.InventoryAuthenticationFailed, ErrorKind.AuthenticationError), (wrong.ErrorId, wrong.Kind));
        Assert.Equal($"strict@127.0.0.1:{cluster.Port}/postgres", wrong.Target);
        Assert.DoesNotContain(Secret, wrong.Message, StringComparison.Ordinal);

        DiskToolsException none = await FailsAsync(Strict(null), TimeSpan.FromSeconds(3));
        Assert.Equal((ErrorIds.InventoryAuthenticationFailed, ErrorKind.AuthenticationError), (none.ErrorId, none.Kind));
    }

    [SkippableFact]
    public async Task A_server_stopped_mid_pass_ends_the_pass_with_a_connection_lost_error()
    {
        Inventory.Require();
        using PostgresCluster cluster = PostgresCluster.StartPrivate();
        string connectionString = cluster.CreateDatabase();
        InventoryDatabase database = InventoryDatabase.Open(connectionString, null);
        using var tree = new AuditTrailWriter();
        string csv = Path.Combine(tree.Root, "baseline.csv");
        File.WriteAllLines(csv, ["path,size,modified", "a,1,2025-01-01T00:00:00Z"]);
        await InventoryImporter.ImportAsync(database, csv, tree.Root, InventoryFileFormat.Auto, 10, new RecordingWriter(), CancellationToken.None);
        DateTime begin = new(2025, 11, 29, 14, 30, 22, DateTimeKind.Utc);
        AuditTrailWriter.Append(tree.LogPath("n1", begin, active: false), AuditTrailWriter.Event(AuditAction.FileRead, "/a", begin.AddMinutes(1)) + "\n");

        var writer = new RecordingWriter();
        AuditIngestor ingestor = await AuditIngestor.OpenAsync(database, tree.Root, new AuditIngestOptions(), writer, CancellationToken.None);
        Stopwatch? sinceStop = null;
        ingestor.BeforeApply = _ =>
        {
            cluster.Stop();
            sinceStop = Stopwatch.StartNew();
            return Task.CompletedTask;
        };

        DiskToolsException e = await Assert.ThrowsAsync<DiskToolsException>(() => ingestor.WatchAsync(null, CancellationToken.None));

        Assert.NotNull(sinceStop);
        Assert.True(sinceStop.Elapsed < TimeSpan.FromSeconds(10), $"took {sinceStop.Elapsed}");
        Assert.Equal((ErrorIds.InventoryConnectionLost, ErrorKind.ConnectionError), (e.ErrorId, e.Kind));
        Assert.Equal(database.Description, e.Target);
        Assert.Contains("was lost", e.Message, StringComparison.Ordinal);

        // Back up, the next pass applies what was staged.
        cluster.Start();
        ingestor.BeforeApply = null;
        NpgsqlConnection.ClearAllPools();
        await ingestor.WatchAsync(null, CancellationToken.None);
        Assert.Equal(1L, Assert.IsType<AuditIngestResult>(writer.Objects.Last()).Applied);
    }
}
