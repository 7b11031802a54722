using DiskTools.TestFixtures;
using Npgsql;
using Xunit;

namespace DiskTools.Engine.Tests.Fixtures;

/// <summary>Proves the PostgreSQL fixture against a real server.</summary>
public sealed class PostgresFixtureTests
{
    [SkippableFact]
    public void Shared_cluster_gives_each_database_its_own_tables()
    {
        PostgresCluster cluster = PostgresCluster.Shared;
        string first = cluster.CreateDatabase();
        string second = cluster.CreateDatabase();

        using (var connection = Open(first))
        {
            Execute(connection, "CREATE TABLE item (id int PRIMARY KEY, name text NOT NULL)");
            Execute(connection, "INSERT INTO item VALUES (1, 'first')");
            using var query = new NpgsqlCommand("SELECT name FROM item WHERE id = 1", connection);
            Assert.Equal("first", query.ExecuteScalar());
            using var who = new NpgsqlCommand("SELECT current_user || '@' || inet_server_addr()::text || ':' || current_setting('port')", connection);
            Assert.Equal($"{cluster.SuperUser}@{cluster.Host}/32:{cluster.Port}", who.ExecuteScalar());
        }

        using (var connection = Open(second))
        {
            using var lookup = new NpgsqlCommand("SELECT to_regclass('public.item') IS NULL", connection);
            Assert.Equal(true, lookup.ExecuteScalar());
        }
    }

    [SkippableFact]
    public void Server_runs_without_durability_and_with_room_for_parallel_classes()
    {
        using var connection = Open(PostgresCluster.Shared.CreateDatabase());
        Assert.Equal("off", Setting(connection, "fsync"));
        Assert.Equal("off", Setting(connection, "synchronous_commit"));
        Assert.True(int.Parse(Setting(connection, "max_connections")) >= 200);
        Assert.Equal(PostgresCluster.Shared.SocketDirectory, Setting(connection, "unix_socket_directories"));
    }

    [SkippableFact]
    public void Private_cluster_keeps_its_data_and_port_across_stop_and_start()
    {
        using PostgresCluster cluster = PostgresCluster.StartPrivate();
        Assert.NotEqual(PostgresCluster.Shared.Port, cluster.Port);
        string database = cluster.CreateDatabase("kept");
        using (var connection = Open(database))
        {
            Execute(connection, "CREATE TABLE kept (value text)");
            Execute(connection, "INSERT INTO kept VALUES ('survives a restart')");
        }

        int port = cluster.Port;
        cluster.Stop();
        Assert.False(cluster.IsRunning);
        Assert.ThrowsAny<NpgsqlException>(() => Open(database).Dispose());

        cluster.Start();
        Assert.Equal(port, cluster.Port);
        using (var connection = Open(database))
        {
            using var query = new NpgsqlCommand("SELECT value FROM kept", connection);
            Assert.Equal("survives a restart", query.ExecuteScalar());
        }

        string directory = cluster.DataDirectory;
        cluster.Dispose();
        Assert.False(Directory.Exists(directory));
        Assert.ThrowsAny<NpgsqlException>(() => Open(database).Dispose());
    }

    private static NpgsqlConnection Open(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        return connection;
    }

    private static void Execute(NpgsqlConnection connection, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    private static string Setting(NpgsqlConnection connection, string name)
    {
        using var command = new NpgsqlCommand("SELECT current_setting(@name)", connection);
        command.Parameters.AddWithValue("name", name);
        return (string)command.ExecuteScalar()!;
    }
}

/// <summary>Proves the per-class database fixture.</summary>
public sealed class PostgresDatabaseFixtureTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [SkippableFact]
    public void Class_fixture_database_is_fresh_and_usable()
    {
        using NpgsqlConnection connection = database.Open();
        using var name = new NpgsqlCommand("SELECT current_database()", connection);
        Assert.Equal(database.Name, name.ExecuteScalar());
        using var tables = new NpgsqlCommand("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", connection);
        Assert.Equal(0L, tables.ExecuteScalar());
    }
}
