using DiskTools.Engine.InventoryImport;
using DiskTools.Engine.LucidAudit;
using DiskTools.Engine.Storage;
using DiskTools.TestFixtures;
using Npgsql;

namespace DiskTools.Engine.Tests.LucidAudit;

/// <summary>A filespace root with a generated audit tree and a fresh inventory database holding its baseline.</summary>
internal sealed class AuditIngestHarness : IDisposable
{
    public static readonly DateTime Baseline = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private AuditIngestHarness(string connectionString)
    {
        ConnectionString = connectionString;
        Database = InventoryDatabase.Open(connectionString, null);
    }

    public AuditTrailWriter Tree { get; } = new();

    public string Root => Tree.Root;

    public string ConnectionString { get; }

    public InventoryDatabase Database { get; }

    /// <summary>A fresh database with <paramref name="paths"/> imported as the baseline (last accessed = <see cref="Baseline"/>).</summary>
    public static AuditIngestHarness Create(params string[] paths)
    {
        var harness = new AuditIngestHarness(PostgresCluster.Shared.CreateDatabase());
        harness.Import(harness.Root, paths);
        return harness;
    }

    public InventoryImportResult Import(string root, IEnumerable<string> paths)
    {
        string csv = Path.Combine(Path.GetTempPath(), $"baseline-{Guid.NewGuid():N}.csv");
        File.WriteAllLines(csv, new[] { "path,size,modified,accessed" }.Concat(paths.Select(p => $"\"{p}\",100,2024-06-01T00:00:00Z,2025-01-01T00:00:00Z")));
        try
        {
            return InventoryImporter.ImportAsync(Database, csv, root, InventoryFileFormat.Auto, 100, new RecordingWriter(), CancellationToken.None).GetAwaiter().GetResult();
        }
        finally
        {
            File.Delete(csv);
        }
    }

    public (AuditIngestResult Result, RecordingWriter Writer) Pass(string? root = null, string tenant = AuditIngestOptions.DefaultTenant, Func<CancellationToken, Task>? beforeApply = null, AuditIngestOptions? options = null)
    {
        var writer = new RecordingWriter();
        AuditIngestor ingestor = AuditIngestor.OpenAsync(Database, root ?? Root, (options ?? new AuditIngestOptions()) with { Tenant = tenant }, writer, CancellationToken.None).GetAwaiter().GetResult();
        ingestor.BeforeApply = beforeApply;
        return (ingestor.RunPassAsync(CancellationToken.None).GetAwaiter().GetResult(), writer);
    }

    public NpgsqlConnection Open()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        connection.Open();
        return connection;
    }

    /// <summary>path → (last_accessed, source, tier_state, access_count) of every record.</summary>
    public Dictionary<string, (DateTime? LastAccessed, string? Source, string Tier, long Count)> Records()
    {
        using NpgsqlConnection connection = Open();
        using var command = new NpgsqlCommand("SELECT file_path, last_accessed, last_accessed_source::text, tier_state::text, access_count FROM file_records", connection);
        using NpgsqlDataReader reader = command.ExecuteReader();
        var records = new Dictionary<string, (DateTime?, string?, string, long)>();
        while (reader.Read())
        {
            records[reader.GetString(0)] = (reader.IsDBNull(1) ? null : reader.GetDateTime(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3), reader.GetInt64(4));
        }

        return records;
    }

    public long Scalar(string sql)
    {
        using NpgsqlConnection connection = Open();
        using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public T Scalar<T>(string sql)
    {
        using NpgsqlConnection connection = Open();
        using var command = new NpgsqlCommand(sql, connection);
        return (T)command.ExecuteScalar()!;
    }

    public void Execute(string sql)
    {
        using NpgsqlConnection connection = Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        Tree.Dispose();
        NpgsqlConnection.ClearAllPools();
    }
}
