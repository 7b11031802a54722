using DiskTools.Engine.Storage;

namespace DiskTools.Engine.InventoryImport;

/// <summary>
/// Loads a root that has no records yet as a whole partition of file_records (one per root, see migration
/// 0105): the baseline's rows are copied straight into a table of their own, which is then attached. Its
/// indexes are built once from the loaded rows and the root reference is checked by one query, where
/// writing into file_records maintained every index and checked the reference per row: the bulk of a
/// baseline import's time. Its statements are in <see cref="ImportSql"/>.
/// </summary>
internal sealed class RootPartition
{
    private const string UniquePathsSavepoint = "unique_paths";

    private readonly NpgsqlConnection connection;
    private readonly NpgsqlTransaction transaction;
    private readonly Guid rootId;
    private readonly string partition;

    private RootPartition(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid rootId, string partition)
    {
        this.connection = connection;
        this.transaction = transaction;
        this.rootId = rootId;
        this.partition = partition;
    }

    /// <summary>The binary COPY the baseline's rows are written with, in ImportCopyEncoder.WriteRecordRow's column order.</summary>
    public string CopyCommand => ImportSql.CopyIntoPartition(partition);

    /// <summary>
    /// Creates the root's partition, unattached, inside <paramref name="transaction"/>, for the baseline's
    /// rows to be copied into. Returns null when the root already has a partition (its records, or a pass's,
    /// are there: the caller merges instead) or when this database user may not attach one, after making sure
    /// the root has its partition for that merge. When it returns the new partition, nobody else gives the root
    /// a partition or writes a record into it until the transaction ends.
    /// </summary>
    public static async Task<RootPartition?> TryCreateAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid rootId, CancellationToken cancellationToken)
    {
        // A root with a partition keeps it: that look needs no lock, and a re-import holds none while it reads
        // its file. Only a root without one takes the lock (as its own statement, see
        // ImportSql.LockRecordsPartition) and looks again: a holder may have given it its partition meanwhile.
        // From then on a pass registering the root waits for this import.
        var (partition, ids, exists, mayAttach) = await ProbeAsync(connection, transaction, rootId, cancellationToken).ConfigureAwait(false);
        if (exists)
        {
            return null;
        }

        await connection.ExecuteUnlimitedAsync(transaction, ImportSql.LockRecordsPartition, cancellationToken, rootId).ConfigureAwait(false);
        if ((await ProbeAsync(connection, transaction, rootId, cancellationToken).ConfigureAwait(false)).Exists)
        {
            return null;
        }

        if (mayAttach)
        {
            await connection.ExecuteUnlimitedAsync(transaction, ImportSql.CreatePartition(partition, rootId, ids), cancellationToken).ConfigureAwait(false);
            return new RootPartition(connection, transaction, rootId, partition);
        }

        // Only file_records' owner may attach a partition. This user merges instead, into the partition the
        // owner's function creates.
        await using var ensure = new NpgsqlCommand(ImportSql.EnsureRecordsPartition, connection, transaction);
        ensure.AddValues(rootId);
        await ensure.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return null;
    }

    private static async Task<(string Partition, string Ids, bool Exists, bool MayAttach)> ProbeAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid rootId, CancellationToken cancellationToken)
    {
        await using var probe = new NpgsqlCommand(ImportSql.ProbeRecordsPartition, connection, transaction);
        probe.AddValues(rootId);
        await using NpgsqlDataReader reader = await probe.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), reader.GetBoolean(3));
    }

    /// <summary>
    /// Makes the copied rows the root's records: one per path (the last row for a path wins), with every index
    /// of file_records, attached. Returns how many records the root has: <paramref name="copied"/>, less the
    /// earlier rows of a path named more than once.
    /// </summary>
    public async Task<long> AttachAsync(long copied, CancellationToken cancellationToken)
    {
        await connection.ExecuteUnlimitedAsync(transaction, ImportSql.EndPartitionCopy(partition), cancellationToken).ConfigureAwait(false);

        // The unique key is built first and on its own: when it fails, the baseline named a path more than once,
        // and only then are the earlier rows for it removed (their ids are lower: ids follow the rows' order).
        await transaction.SaveAsync(UniquePathsSavepoint, cancellationToken).ConfigureAwait(false);
        try
        {
            await connection.ExecuteUnlimitedAsync(transaction, ImportSql.AddPartitionPathKey(partition), cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            await transaction.RollbackAsync(UniquePathsSavepoint, cancellationToken).ConfigureAwait(false);
            await using var remove = new NpgsqlCommand(ImportSql.RemoveEarlierRowsOfAPath(partition), connection, transaction) { CommandTimeout = 0 };
            copied -= await remove.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await connection.ExecuteUnlimitedAsync(transaction, ImportSql.AddPartitionPathKey(partition), cancellationToken).ConfigureAwait(false);
        }

        await transaction.ReleaseAsync(UniquePathsSavepoint, cancellationToken).ConfigureAwait(false);
        await connection.ExecuteUnlimitedAsync(transaction, ImportSql.AttachPartition(partition, rootId), cancellationToken).ConfigureAwait(false);
        return copied;
    }
}
