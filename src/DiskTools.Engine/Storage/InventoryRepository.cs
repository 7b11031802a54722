using DiskTools.Engine.Output;
using Npgsql;

namespace DiskTools.Engine.Storage;

/// <summary>A root directory registered in the inventory; its files are recorded relative to it.</summary>
public sealed record InventoryRepository(Guid Id, string RootPath, DateTimeOffset CreatedAt);

/// <summary>Registers and looks up repositories (roots). Shared by every inventory feature.</summary>
public static class RepositoryStore
{
    public const string NotRegisteredId = "InventoryRepositoryNotFound";

    /// <summary>Returns the repository for <paramref name="rootPath"/>, registering it (and its partition of file_records) on first use.</summary>
    public static Task<InventoryRepository> RegisterAsync(InventoryDatabase database, string rootPath, CancellationToken cancellationToken)
        => RegisterAsync(database, rootPath, withRecordsPartition: true, cancellationToken);

    /// <param name="withRecordsPartition">
    /// False only for a caller that gives the root its partition itself, in its own transaction (a baseline
    /// import builds it whole); every other writer needs the partition before its first record.
    /// </param>
    public static async Task<InventoryRepository> RegisterAsync(InventoryDatabase database, string rootPath, bool withRecordsPartition, CancellationToken cancellationToken)
    {
        await MigrationRunner.EnsureCurrentAsync(database, cancellationToken).ConfigureAwait(false);
        await using NpgsqlConnection connection = await database.ConnectAsync(cancellationToken).ConfigureAwait(false);
        // INSERT … ON CONFLICT DO NOTHING returns no row for an existing root, so read it back in the same statement.
        await using var command = new NpgsqlCommand("""
            WITH inserted AS (
                INSERT INTO repositories (root_path) VALUES ($1) ON CONFLICT (root_path) DO NOTHING
                RETURNING id, root_path, created_at)
            SELECT id, root_path, created_at FROM inserted
            UNION ALL
            SELECT id, root_path, created_at FROM repositories WHERE root_path = $1
            LIMIT 1
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = rootPath });
        InventoryRepository repository;
        await using (NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            repository = Read(reader);
        }

        if (withRecordsPartition)
        {
            // Waits while a baseline import builds this root's partition, however long that takes, and is not
            // cut short by a statement timeout the server sets for ordinary queries.
            await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var unlimited = new NpgsqlCommand("SET LOCAL statement_timeout = 0", connection, transaction))
            {
                await unlimited.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (var partition = new NpgsqlCommand("SELECT disktools_ensure_records_partition($1)", connection, transaction) { CommandTimeout = 0 })
            {
                partition.Parameters.Add(new NpgsqlParameter { Value = repository.Id });
                await partition.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        return repository;
    }

    /// <summary>The repository registered for exactly <paramref name="rootPath"/>, or null.</summary>
    public static async Task<InventoryRepository?> FindAsync(InventoryDatabase database, string rootPath, CancellationToken cancellationToken)
        => (await ListAsync(database, rootPath, cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    /// <summary>Every registered repository, or the one for <paramref name="rootPath"/> when given.</summary>
    public static async Task<IReadOnlyList<InventoryRepository>> ListAsync(InventoryDatabase database, string? rootPath, CancellationToken cancellationToken)
    {
        await MigrationRunner.EnsureCurrentAsync(database, cancellationToken).ConfigureAwait(false);
        await using NpgsqlConnection connection = await database.ConnectAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "SELECT id, root_path, created_at FROM repositories WHERE $1::text IS NULL OR root_path = $1 ORDER BY root_path", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)rootPath ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<InventoryRepository>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(Read(reader));
        }

        return list;
    }

    /// <summary>The repository for a root that must already be registered.</summary>
    public static async Task<InventoryRepository> RequireAsync(InventoryDatabase database, string rootPath, CancellationToken cancellationToken)
        => await FindAsync(database, rootPath, cancellationToken).ConfigureAwait(false)
           ?? throw new DiskToolsException(NotRegisteredId, ErrorKind.ObjectNotFound,
               $"'{rootPath}' is not a repository in {database.Description}; run Invoke-Reconciliation -Path '{rootPath}' first.", rootPath);

    private static InventoryRepository Read(NpgsqlDataReader reader)
        => new(reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2));
}
