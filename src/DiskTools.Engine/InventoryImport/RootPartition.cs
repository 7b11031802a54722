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
    /// Inserts <paramref name="rowsSql"/>'s rows (the values of <paramref name="columns"/> after the id and
    /// the root id) as the root's new partition, inside <paramref name="transaction"/>, and returns how
    /// many. Returns null when the root already has a partition (its records, or a pass's, are there: the
    /// caller merges instead) or when this database user may not create one, after making sure the root
    /// has its partition for that merge.
    /// </summary>
    public static async Task<long?> TryLoadWholeAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid rootId, string columns, string rowsSql, CancellationToken cancellationToken)
    {
        // The lock disktools_ensure_records_partition takes (migration 0106): until this transaction ends, nobody
        // else gives the root a partition (or writes a record into it), so "no partition" stays true while it
        // loads. The lock is its own statement: the look that follows must see what a holder committed while it waited.
        await connection.ExecuteUnlimitedAsync(transaction, "SELECT disktools_lock_records_partition($1)", cancellationToken, rootId).ConfigureAwait(false);

        string partition, ids;
        await using (var probe = new NpgsqlCommand("""
            SELECT disktools_records_partition($1), pg_get_serial_sequence('file_records', 'id')::regclass::oid::text,
                   disktools_records_partition_exists($1)
            """, connection, transaction))
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

        // The name is derived from a Guid ("file_records_" and 32 hex digits): nothing in it needs quoting. The
        // id sequence is named by its oid, a constant: looking it up by name for every row took a third of the insert.
        await transaction.SaveAsync(Savepoint, cancellationToken).ConfigureAwait(false);
        try
        {
            await connection.ExecuteUnlimitedAsync(transaction, $"""
                SET LOCAL maintenance_work_mem = '256MB';
                CREATE TABLE {partition} (LIKE file_records INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS) WITH (fillfactor = 50)
                """, cancellationToken).ConfigureAwait(false);

            long rows;
            await using (var insert = new NpgsqlCommand($"""
                INSERT INTO {partition} (id, repository_id, {columns})
                SELECT nextval({ids}::oid::regclass), $1, rows.* FROM ({rowsSql}) AS rows
                """, connection, transaction))
            {
                insert.CommandTimeout = 0;
                insert.AddValues(rootId);
                rows = await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            // Builds the partition's share of every index of file_records and checks its root reference.
            await connection.ExecuteUnlimitedAsync(transaction, $"ALTER TABLE file_records ATTACH PARTITION {partition} FOR VALUES IN ('{rootId:D}')", cancellationToken).ConfigureAwait(false);
            await transaction.ReleaseAsync(Savepoint, cancellationToken).ConfigureAwait(false);
            return rows;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            // Only file_records' owner may attach a partition. This user merges instead, into the partition the
            // owner's function creates.
            await transaction.RollbackAsync(Savepoint, cancellationToken).ConfigureAwait(false);
            await using var ensure = new NpgsqlCommand("SELECT disktools_ensure_records_partition($1)", connection, transaction);
            ensure.AddValues(rootId);
            await ensure.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }
    }
}
