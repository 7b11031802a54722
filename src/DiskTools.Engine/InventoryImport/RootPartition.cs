using DiskTools.Engine.Storage;

namespace DiskTools.Engine.InventoryImport;

/// <summary>
/// Loads a root that has no records yet as a whole partition of file_records (one per root, see migration
/// 0105): the rows go into a table of their own, which is then attached. Its indexes are built once from
/// the loaded rows and the root reference is checked by one query, where inserting into
/// file_records row by row maintained both per row: the bulk of a baseline import's time.
/// </summary>
internal static class RootPartition
{
    private const string Savepoint = "whole_root";

    /// <summary>
    /// Inserts the staged import rows as new records into the root's new partition, inside
    /// <paramref name="transaction"/>, and returns how many. Returns null when the root already has a
    /// partition (its records, or a pass's, are there: the caller merges instead) or when this database user
    /// may not create one, after making sure the root has its partition for that merge. Its statements are
    /// in <see cref="ImportSql"/>.
    /// </summary>
    public static async Task<long?> TryLoadWholeAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid rootId, CancellationToken cancellationToken)
    {
        // Taken as its own statement, before the probe (see ImportSql.LockRecordsPartition).
        await connection.ExecuteUnlimitedAsync(transaction, ImportSql.LockRecordsPartition, cancellationToken, rootId).ConfigureAwait(false);

        string partition, ids;
        await using (var probe = new NpgsqlCommand(ImportSql.ProbeRecordsPartition, connection, transaction))
        {
            probe.AddValues(rootId);
            await using NpgsqlDataReader reader = await probe.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            partition = reader.GetString(0);
            ids = reader.GetString(1);
            if (reader.GetBoolean(2))
            {
                return null;
            }
        }

        await transaction.SaveAsync(Savepoint, cancellationToken).ConfigureAwait(false);
        try
        {
            await connection.ExecuteUnlimitedAsync(transaction, ImportSql.CreatePartition(partition), cancellationToken).ConfigureAwait(false);

            long rows;
            await using (var insert = new NpgsqlCommand(ImportSql.FillPartition(partition, ids), connection, transaction))
            {
                insert.CommandTimeout = 0;
                insert.AddValues(rootId);
                rows = await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await connection.ExecuteUnlimitedAsync(transaction, ImportSql.AttachPartition(partition, rootId), cancellationToken).ConfigureAwait(false);
            await transaction.ReleaseAsync(Savepoint, cancellationToken).ConfigureAwait(false);
            return rows;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            // Only file_records' owner may attach a partition. This user merges instead, into the partition the
            // owner's function creates.
            await transaction.RollbackAsync(Savepoint, cancellationToken).ConfigureAwait(false);
            await using var ensure = new NpgsqlCommand(ImportSql.EnsureRecordsPartition, connection, transaction);
            ensure.AddValues(rootId);
            await ensure.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }
    }
}
