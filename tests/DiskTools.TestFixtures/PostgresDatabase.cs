using Npgsql;

namespace DiskTools.TestFixtures;

/// <summary>
/// A fresh, empty database on the shared cluster for one test class (use as IClassFixture), dropped when
/// the class is done. Created on first use, not in the constructor: xUnit turns an exception thrown while
/// building a class fixture into a failure, so a missing PostgreSQL must surface inside the test, where
/// [SkippableFact] can skip it.
/// </summary>
public sealed class PostgresDatabase : IDisposable
{
    private readonly Lazy<string> _connectionString;

    public PostgresDatabase()
    {
        Name = "t_" + Guid.NewGuid().ToString("N")[..12];
        _connectionString = new Lazy<string>(() => Cluster.CreateDatabase(Name), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string ConnectionString => _connectionString.Value;

    public string Name { get; }

    public PostgresCluster Cluster => PostgresCluster.Shared;

    /// <summary>An open connection to this database.</summary>
    public NpgsqlConnection Open()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        connection.Open();
        return connection;
    }

    public void Dispose()
    {
        if (!_connectionString.IsValueCreated || !Cluster.IsRunning)
        {
            return;
        }

        // Close this class's pooled connections first, so the drop does not have to force them out.
        using (var connection = new NpgsqlConnection(ConnectionString))
        {
            NpgsqlConnection.ClearPool(connection);
        }

        Cluster.DropDatabase(Name);
    }
}
