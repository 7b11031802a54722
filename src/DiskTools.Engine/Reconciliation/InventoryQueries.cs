using DiskTools.Engine.Patterns;
using DiskTools.Engine.Storage;
using NpgsqlTypes;

namespace DiskTools.Engine.Reconciliation;

/// <summary>Reads the inventory for the query cmdlets.</summary>
public static class InventoryQueries
{
    /// <summary>The registered root a query names (it must be registered), or every root when it names none.</summary>
    internal static async Task<IReadOnlyList<InventoryRoot>> SelectRootsAsync(InventoryDatabase database, string? root, CancellationToken cancellationToken)
        => root is null
            ? await RootStore.ListAsync(database, null, cancellationToken).ConfigureAwait(false)
            : [await RootStore.RequireAsync(database, Reconciler.NormaliseRoot(root), cancellationToken).ConfigureAwait(false)];

    /// <summary>Streams file records, by path order, to <paramref name="emit"/>.</summary>
    /// <param name="root">A registered root, or null for every root.</param>
    /// <param name="filter">A pattern (see <see cref="PathPattern"/>) over the relative path, or null.</param>
    /// <param name="hash">A SHA-256 in hex (any case), or null.</param>
    public static async Task GetFileRecordsAsync(InventoryDatabase database, string? root, string? filter, string? hash, Action<FileRecord> emit, CancellationToken cancellationToken)
    {
        string? normalisedHash = null;
        if (!string.IsNullOrEmpty(hash))
        {
            normalisedHash = hash.Trim().ToLowerInvariant();
            if (normalisedHash.Length != 64 || !normalisedHash.All(char.IsAsciiHexDigit))
            {
                throw new DiskToolsException(ErrorIds.InvalidContentHash, ErrorKind.InvalidArgument, $"'{hash}' is not a SHA-256 hash (64 hexadecimal digits).", hash);
            }
        }

        Guid? rootId = root is null ? null : (await RootStore.RequireAsync(database, Reconciler.NormaliseRoot(root), cancellationToken).ConfigureAwait(false)).Id;
        await MigrationRunner.EnsureCurrentAsync(database, cancellationToken).ConfigureAwait(false);
        await using NpgsqlConnection connection = await database.ConnectAsync(cancellationToken).ConfigureAwait(false);
        await ReadRecordsAsync(connection, rootId, string.IsNullOrEmpty(filter) ? null : new PathPattern(filter, "Filter").PathRegex, normalisedHash, null, emit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Streams the records that match every condition given (null: no condition), by root and path.</summary>
    internal static async Task ReadRecordsAsync(NpgsqlConnection connection, Guid? rootId, string? pathRegex, string? hash, long[]? ids, Action<FileRecord> emit, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(InventoryQuerySql.ReadRecords, connection);
        command.AddValue(rootId, NpgsqlDbType.Uuid);
        command.AddValue(pathRegex, NpgsqlDbType.Text);
        command.AddValue(hash, NpgsqlDbType.Text);
        command.AddValue(ids, NpgsqlDbType.Array | NpgsqlDbType.Bigint);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            emit(new FileRecord
            {
                Id = reader.GetInt64(0),
                RootId = reader.GetGuid(1),
                RootPath = reader.GetString(2),
                FilePath = reader.GetString(3),
                FileSize = reader.GetInt64(4),
                ModTime = reader.GetFieldValue<DateTimeOffset>(5),
                ModifiedNs = reader.GetInt64(6),
                ChangedNs = reader.GetInt64(7),
                Inode = unchecked((ulong)reader.GetInt64(8)),
                Device = unchecked((ulong)reader.GetInt64(9)),
                ContentHash = reader.IsDBNull(10) ? null : reader.GetString(10),
                LastScanned = reader.GetFieldValue<DateTimeOffset>(11),
                ScanGeneration = reader.GetInt64(12),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(13),
                UpdatedAt = reader.GetFieldValue<DateTimeOffset>(14),
                LastAccessed = reader.IsDBNull(15) ? null : reader.GetFieldValue<DateTimeOffset>(15),
                LastAccessedSource = reader.IsDBNull(16) ? null : reader.GetString(16),
                AccessCount = reader.GetInt64(17),
                TierState = reader.GetString(18),
            });
        }
    }

    /// <summary>
    /// The latest <paramref name="last"/> operations of a root, newest first; without a root, the latest
    /// <paramref name="last"/> of EACH root (roots in path order), so a busy root never hides a quiet one.
    /// </summary>
    public static async Task<IReadOnlyList<ReconciliationOperation>> GetReconciliationOperationsAsync(InventoryDatabase database, string? root, int last, CancellationToken cancellationToken)
    {
        IReadOnlyList<InventoryRoot> roots = await SelectRootsAsync(database, root, cancellationToken).ConfigureAwait(false);
        await using NpgsqlConnection connection = await database.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var operations = new List<ReconciliationOperation>();
        foreach (InventoryRoot inventoryRoot in roots.OrderBy(r => r.RootPath, StringComparer.Ordinal))
        {
            operations.AddRange(await OperationLog.ListAsync(connection, inventoryRoot.Id, last, cancellationToken).ConfigureAwait(false));
        }

        return operations;
    }

    /// <summary>The status of one root, or of every root when <paramref name="root"/> is null.</summary>
    public static async Task<IReadOnlyList<ReconciliationStatus>> GetStatusAsync(InventoryDatabase database, string? root, CancellationToken cancellationToken)
    {
        IReadOnlyList<InventoryRoot> roots = await SelectRootsAsync(database, root, cancellationToken).ConfigureAwait(false);
        await using NpgsqlConnection connection = await database.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<ReconciliationStatus>();
        foreach (InventoryRoot inventoryRoot in roots)
        {
            await using var command = new NpgsqlCommand(InventoryQuerySql.RootStatus, connection);
            command.AddValues(inventoryRoot.Id);
            long total;
            bool watching;
            string? host;
            int? pid;
            DateTimeOffset? heartbeat, next;
            await using (NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                total = reader.GetInt64(0);
                watching = !reader.IsDBNull(1) && reader.GetBoolean(1);
                host = reader.IsDBNull(2) ? null : reader.GetString(2);
                pid = reader.IsDBNull(3) ? null : reader.GetInt32(3);
                heartbeat = reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4);
                next = reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5);
            }

            IReadOnlyList<ReconciliationOperation> lastOperation = await OperationLog.ListAsync(connection, inventoryRoot.Id, 1, cancellationToken).ConfigureAwait(false);
            list.Add(new ReconciliationStatus
            {
                RootId = inventoryRoot.Id,
                RootPath = inventoryRoot.RootPath,
                TotalFiles = total,
                IsWatching = watching,
                WatcherHost = host,
                WatcherProcessId = pid,
                LastHeartbeat = heartbeat,
                LastOperation = lastOperation.Count > 0 ? lastOperation[0] : null,
                NextReconciliation = watching ? next : null,
            });
        }

        return list;
    }
}
