namespace DiskTools.Engine.Storage;

/// <summary>The outcome of bringing a database's schema up to date.</summary>
public sealed record MigrationResult(int PreviousVersion, int CurrentVersion, IReadOnlyList<int> Applied);

/// <summary>
/// Creates and upgrades the inventory schema from the embedded migrations. Applied migrations are recorded
/// with their checksums in disktools_schema_migrations; concurrent runners are serialised by an advisory
/// lock, each migration runs in its own transaction, and a database whose schema is newer than this build,
/// or whose applied migrations differ from the embedded ones, is refused with a clear error.
/// </summary>
public static class MigrationRunner
{
    /// <summary>'DiskTool' in ASCII: the advisory-lock key every DiskTools migration runner takes.</summary>
    internal const long MigrationLockKey = 0x4469736B546F6F6C;

    private static readonly ConcurrentDictionary<NpgsqlDataSource, bool> UpToDate = new();

    /// <summary>Brings the schema up to date once per data source and process (later calls return at once).</summary>
    public static async Task EnsureCurrentAsync(InventoryDatabase database, CancellationToken cancellationToken)
    {
        if (UpToDate.ContainsKey(database.DataSource))
        {
            return;
        }

        await MigrateAsync(database, cancellationToken).ConfigureAwait(false);
        UpToDate[database.DataSource] = true;
    }

    /// <summary>Applies every embedded migration the database has not seen yet.</summary>
    public static Task<MigrationResult> MigrateAsync(InventoryDatabase database, CancellationToken cancellationToken)
        => MigrateAsync(database, Migration.Embedded, cancellationToken);

    internal static async Task<MigrationResult> MigrateAsync(InventoryDatabase database, IReadOnlyList<Migration> known, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await database.ConnectAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteUnlimitedAsync(null, "SELECT pg_advisory_lock($1)", cancellationToken, MigrationLockKey).ConfigureAwait(false);
        try
        {
            await connection.ExecuteUnlimitedAsync(null, """
                CREATE TABLE IF NOT EXISTS disktools_schema_migrations (
                    version     integer PRIMARY KEY,
                    name        text NOT NULL,
                    checksum    text NOT NULL,
                    applied_at  timestamptz NOT NULL DEFAULT now())
                """, cancellationToken).ConfigureAwait(false);

            var applied = new Dictionary<int, (string Name, string Checksum)>();
            await using (var command = new NpgsqlCommand("SELECT version, name, checksum FROM disktools_schema_migrations ORDER BY version", connection))
            await using (NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    applied[reader.GetInt32(0)] = (reader.GetString(1), reader.GetString(2));
                }
            }

            int previous = applied.Count == 0 ? 0 : applied.Keys.Max();
            int latest = known.Count == 0 ? 0 : known[^1].Version;
            if (previous > latest)
            {
                throw new DiskToolsException(ErrorIds.InventorySchemaTooNew, ErrorKind.InvalidOperation,
                    $"The inventory database {database.Description} has schema version {previous}, newer than the {latest} this DiskTools knows. Update DiskTools; it will not write to a schema it does not understand.",
                    database.Description);
            }

            foreach (Migration migration in known)
            {
                if (applied.TryGetValue(migration.Version, out var recorded) && recorded.Checksum != migration.Checksum)
                {
                    throw new DiskToolsException(ErrorIds.InventorySchemaMigrationModified, ErrorKind.InvalidData,
                        $"Migration {migration.Version:D4}_{migration.Name} was applied to {database.Description} with checksum {recorded.Checksum[..12]}…, but this DiskTools carries a different text ({migration.Checksum[..12]}…). An applied migration must never change; add a new one instead.",
                        database.Description);
                }
            }

            var newlyApplied = new List<int>();
            foreach (Migration migration in known.Where(m => !applied.ContainsKey(m.Version)))
            {
                await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    await connection.ExecuteUnlimitedAsync(null, migration.Sql, cancellationToken).ConfigureAwait(false);
                    await connection.ExecuteUnlimitedAsync(null, "INSERT INTO disktools_schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                        cancellationToken, migration.Version, migration.Name, migration.Checksum).ConfigureAwait(false);
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (PostgresException e)
                {
                    throw database.Failure(ErrorIds.InventoryMigrationFailed, $"Migration {migration.Version:D4}_{migration.Name} failed and was rolled back", e);
                }

                newlyApplied.Add(migration.Version);
            }

            return new MigrationResult(previous, Math.Max(previous, latest), newlyApplied);
        }
        finally
        {
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await connection.ExecuteUnlimitedAsync(null, "SELECT pg_advisory_unlock($1)", CancellationToken.None, MigrationLockKey).ConfigureAwait(false);
            }
        }
    }
}
