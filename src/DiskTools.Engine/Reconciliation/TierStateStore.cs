using DiskTools.Engine.Storage;

namespace DiskTools.Engine.Reconciliation;

/// <summary>A record's place in the tiering lifecycle (file_tier_state in the inventory).</summary>
public enum FileTierState
{
    None,
    Planned,
    Stubbed,
    Rehydrated,
    Deleted,
}

/// <summary>Sets tier states of inventory records (Set-FileTierState).</summary>
public static class TierStateStore
{
    /// <summary>The state as the inventory spells it.</summary>
    public static string ToText(FileTierState state) => state.ToString().ToLowerInvariant();

    /// <summary>The ids of the records at <paramref name="relativePaths"/> under a root; paths without a record are reported and left out.</summary>
    public static async Task<IReadOnlyList<(long Id, string Path)>> FindAsync(InventoryDatabase database, string root, IReadOnlyList<string> relativePaths, IOutputWriter writer, CancellationToken cancellationToken)
    {
        InventoryRoot inventoryRoot = await RootStore.RequireAsync(database, Reconciler.NormaliseRoot(root), cancellationToken).ConfigureAwait(false);
        await using NpgsqlConnection connection = await database.ConnectAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(InventoryQuerySql.FindRecordIds, connection);
        command.AddValues(inventoryRoot.Id, relativePaths.Select(p => p.Trim('/')).ToArray());
        var found = new List<(long, string)>();
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            string path = reader.GetString(0);
            if (reader.IsDBNull(1))
            {
                string full = inventoryRoot.RootPath.TrimEnd('/') + "/" + path;
                writer.WriteError(new OperationError(ErrorIds.FileRecordNotFound, ErrorKind.ObjectNotFound, full, $"'{full}' has no record in the inventory of '{inventoryRoot.RootPath}'."));
                continue;
            }

            found.Add((reader.GetInt64(1), path));
        }

        return found;
    }

    /// <summary>
    /// Sets the tier state of the records <paramref name="ids"/> (updated_utc moves with it) and returns them
    /// as they are now; ids without a record (deleted meanwhile) are reported.
    /// </summary>
    public static async Task<IReadOnlyList<FileRecord>> SetAsync(InventoryDatabase database, IReadOnlyList<long> ids, FileTierState state, IOutputWriter writer, CancellationToken cancellationToken)
    {
        await MigrationRunner.EnsureCurrentAsync(database, cancellationToken).ConfigureAwait(false);
        await using NpgsqlConnection connection = await database.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var updated = new HashSet<long>();
        await using (var command = new NpgsqlCommand(InventoryQuerySql.SetTierState, connection))
        {
            command.AddValues(ids.Distinct().ToArray(), ToText(state));
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                updated.Add(reader.GetInt64(0));
            }
        }

        foreach (long missing in ids.Distinct().Where(id => !updated.Contains(id)))
        {
            writer.WriteError(new OperationError(ErrorIds.FileRecordNotFound, ErrorKind.ObjectNotFound, missing, $"The inventory has no record with id {missing} any more; its tier state was not set."));
        }

        var records = new List<FileRecord>();
        if (updated.Count > 0)
        {
            await InventoryQueries.ReadRecordsAsync(connection, null, null, null, [.. updated], records.Add, cancellationToken).ConfigureAwait(false);
        }

        return records;
    }
}
