using System.Management.Automation;
using DiskTools.Module.Tests.Infrastructure;
using DiskTools.TestFixtures;
using Npgsql;
using Xunit;

namespace DiskTools.Module.Tests.Inventory;

/// <summary>
/// Every inventory cmdlet reports database trouble the same way: one terminating error with a stable id,
/// its category, the database (user@host:port/db, no password) as target, and a message naming
/// $env:DISKTOOLS_CONNECTION when that is where the connection came from. Against real PostgreSQL.
/// </summary>
public sealed class DatabaseTroubleCmdletTests : IClassFixture<ModuleSessionFixture>, IDisposable
{
    private const string Secret = "n0t-In-Any-Message";
    private readonly ModuleSession session;
    private readonly string root = Path.Combine(Path.GetTempPath(), "dt-dberr-" + Guid.NewGuid().ToString("N")[..8]);

    public DatabaseTroubleCmdletTests(ModuleSessionFixture fixture)
    {
        session = fixture.Session;
        Directory.CreateDirectory(root);
        File.WriteAllLines(Path.Combine(root, "baseline.csv"), ["path,size,modified", "a.txt,1,2025-01-01T00:00:00Z"]);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    /// <summary>Each inventory cmdlet, invoked so that it must reach the database.</summary>
    public static TheoryData<string> Cmdlets => new()
    {
        "Invoke-Reconciliation -Path $args[0] -NoHash",
        "Get-FileRecord",
        "Get-ReconciliationStatus",
        "Get-ReconciliationOperation",
        "Watch-LucidAudit -Path $args[0] -Once",
        "Import-FileInventory -Path ($args[0] + '/baseline.csv') -Root $args[0]",
    };

    private static int ClosedPort()
    {
        using var socket = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        socket.Start();
        int port = ((System.Net.IPEndPoint)socket.LocalEndpoint).Port;
        socket.Stop();
        return port;
    }

    private ErrorRecord FailWith(string connection, string command)
    {
        // The connection comes from the environment, as pwsh users set it; the variable is restored after.
        InvocationResult result = session.Invoke(
            "$saved = $env:DISKTOOLS_CONNECTION; $env:DISKTOOLS_CONNECTION = $args[1]; try { " + command + " } finally { $env:DISKTOOLS_CONNECTION = $saved }",
            root, connection);
        ErrorRecord error = result.Terminating?.ErrorRecord ?? Assert.Single(result.Errors);
        Assert.DoesNotContain(Secret, error.Exception.Message, StringComparison.Ordinal);
        Assert.True(error.Exception.Message.Contains("$env:DISKTOOLS_CONNECTION", StringComparison.Ordinal), error.FullyQualifiedErrorId + ": " + error.Exception.Message);
        Assert.Empty(result.Output);
        return error;
    }

    [SkippableTheory]
    [MemberData(nameof(Cmdlets))]
    public void An_unreachable_server_is_a_connection_error_naming_the_database(string command)
    {
        Prerequisite.Require(Directory.Exists("/usr/lib/postgresql"), "PostgreSQL server binaries");
        int port = ClosedPort();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        ErrorRecord error = FailWith($"Host=127.0.0.1;Port={port};Username=ops;Password={Secret};Database=inventory", command);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.StartsWith("InventoryDatabaseUnreachable", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.ConnectionError, error.CategoryInfo.Category);
        Assert.Equal($"ops@127.0.0.1:{port}/inventory", error.TargetObject);
    }

    [SkippableTheory]
    [MemberData(nameof(Cmdlets))]
    public void A_missing_database_is_object_not_found(string command)
    {
        Prerequisite.Require(Directory.Exists("/usr/lib/postgresql"), "PostgreSQL server binaries");
        PostgresCluster cluster = PostgresCluster.Shared;
        var builder = new NpgsqlConnectionStringBuilder(cluster.ConnectionString("postgres")) { Database = "absent_inventory", Password = Secret };

        ErrorRecord error = FailWith(builder.ConnectionString, command);

        Assert.StartsWith("InventoryDatabaseNotFound", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal($"postgres@127.0.0.1:{cluster.Port}/absent_inventory", error.TargetObject);
    }

    [SkippableFact]
    public void Refused_credentials_are_an_authentication_error()
    {
        Prerequisite.Require(Directory.Exists("/usr/lib/postgresql"), "PostgreSQL server binaries");
        using PostgresCluster cluster = PostgresCluster.StartPrivate();
        using (var admin = new NpgsqlConnection(cluster.ConnectionString("postgres")))
        {
            admin.Open();
            using var command = new NpgsqlCommand("CREATE ROLE strict LOGIN PASSWORD 'right-one'; SELECT pg_reload_conf()", admin);
            string hba = Path.Combine(cluster.DataDirectory, "pg_hba.conf");
            File.WriteAllText(hba, "host all strict 127.0.0.1/32 scram-sha-256\n" + File.ReadAllText(hba));
            command.ExecuteNonQuery();
        }

        string connection = new NpgsqlConnectionStringBuilder(cluster.ConnectionString("postgres")) { Username = "strict", Password = Secret }.ConnectionString;
        ErrorRecord? error = null;
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            // The reload is asynchronous: until it is read, the role still logs in without a password.
            NpgsqlConnection.ClearAllPools();
            InvocationResult result = session.Invoke(
                "$saved = $env:DISKTOOLS_CONNECTION; $env:DISKTOOLS_CONNECTION = $args[0]; try { Get-FileRecord } finally { $env:DISKTOOLS_CONNECTION = $saved }", connection);
            error = result.Terminating?.ErrorRecord ?? result.Errors.FirstOrDefault();
            if (error is not null)
            {
                break;
            }
        }

        Assert.NotNull(error);
        Assert.StartsWith("InventoryAuthenticationFailed", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        Assert.Equal($"strict@127.0.0.1:{cluster.Port}/postgres", error.TargetObject);
        Assert.Contains("$env:DISKTOOLS_CONNECTION", error.Exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.Exception.Message, StringComparison.Ordinal);
    }
}
