using NpgsqlTypes;

namespace DiskTools.Engine.Storage;

/// <summary>A root directory registered in the inventory; its files are recorded relative to it.</summary>
public sealed record InventoryRoot(Guid Id, string RootPath, DateTimeOffset CreatedAt);

/// <summary>Registers and looks up inventory roots. Shared by every inventory feature.</summary>
public static class RootStore
{
    /// <summary>A root that could be neither inserted nor read back (it should never happen; retried first).</summary>

    /// <summary>Returns the root for <paramref name="rootPath"/>, registering it (and its partition of file_records) on first use.</summary>
    public static Task<InventoryRoot> RegisterAsync(InventoryDatabase database, string rootPath, CancellationToken cancellationToken)
        => RegisterAsync(database, rootPath, withRecordsPartition: true, cancellationToken);

    /// <param name="withRecordsPartition">
    /// False only for a caller that gives the root its partition itself, in its own transaction (a baseline
    /// import builds it whole); every other writer needs the partition before its first record.
    /// </param>
    public static async Task<InventoryRoot> RegisterAsync(InventoryDatabase database, string rootPath, bool withRecordsPartition, CancellationToken cancellationToken)
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
        command.AddValues(rootPath);
        InventoryRoot? inventoryRoot = null;
        // Two registrations of one new root at once: the second's INSERT waits for the first to commit and then
        // inserts nothing, while its SELECT still reads the snapshot taken before that commit, so the statement
        // returns no row. Run again: the next statement's snapshot sees the committed root.
        for (int attempt = 0; inventoryRoot is null; attempt++)
        {
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                inventoryRoot = Read(reader);
            }
            else if (attempt == 2)
            {
                throw new DiskToolsException(ErrorIds.InventoryRootRegistrationFailed, ErrorKind.InvalidOperation,
                    $"'{rootPath}' could not be registered in {database.Description}: the root was neither inserted nor found.", rootPath);
            }
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
                partition.AddValues(inventoryRoot.Id);
                await partition.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        return inventoryRoot;
    }

    /// <summary>The root registered for exactly <paramref name="rootPath"/>, or null.</summary>
    public static async Task<InventoryRoot?> FindAsync(InventoryDatabase database, string rootPath, CancellationToken cancellationToken)
        => (await ListAsync(database, rootPath, cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    /// <summary>Every registered root, or the one for <paramref name="rootPath"/> when given.</summary>
    public static async Task<IReadOnlyList<InventoryRoot>> ListAsync(InventoryDatabase database, string? rootPath, CancellationToken cancellationToken)
    {
        await MigrationRunner.EnsureCurrentAsync(database, cancellationToken).ConfigureAwait(false);
        await using NpgsqlConnection connection = await database.ConnectAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "SELECT id, root_path, created_at FROM repositories WHERE $1::text IS NULL OR root_path = $1 ORDER BY root_path", connection);
        command.AddValue(rootPath, NpgsqlDbType.Text);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<InventoryRoot>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(Read(reader));
        }

        return list;
    }

    /// <summary>The root for a root that must already be registered.</summary>
    public static async Task<InventoryRoot> RequireAsync(InventoryDatabase database, string rootPath, CancellationToken cancellationToken)
        => await FindAsync(database, rootPath, cancellationToken).ConfigureAwait(false)
           ?? throw new DiskToolsException(ErrorIds.InventoryRootNotFound, ErrorKind.ObjectNotFound,
               $"'{rootPath}' is not a registered root in {database.Description}; run Invoke-Reconciliation -Path '{rootPath}' first.", rootPath);

    private static InventoryRoot Read(NpgsqlDataReader reader)
        => new(reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2));
}
