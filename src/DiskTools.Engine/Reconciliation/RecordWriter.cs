using DiskTools.Engine.Storage;
using NpgsqlTypes;

namespace DiskTools.Engine.Reconciliation;

/// <summary>Writes file records in one short transaction per call (a single statement).</summary>
internal static class RecordWriter
{
    /// <summary>Upserts <paramref name="files"/>; returns (added, updated). Unchanged files write nothing.</summary>
    public static async Task<(int Added, int Updated)> UpsertAsync(NpgsqlConnection connection, Guid rootId, long generation, IReadOnlyList<RecordedFile> files, CancellationToken cancellationToken)
    {
        if (files.Count == 0)
        {
            return (0, 0);
        }

        await using var command = new NpgsqlCommand(ReconciliationSql.UpsertArrays, connection);
        command.AddValues(rootId, generation, files.Select(f => f.Path).ToArray(), files.Select(f => f.Size).ToArray());
        command.AddValue(files.Select(f => f.ModTimeMicros).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.TimestampTz);
        command.AddValues(files.Select(f => f.ModifiedNs).ToArray(), files.Select(f => f.ChangedNs).ToArray(), files.Select(f => unchecked((long)f.Inode)).ToArray(), files.Select(f => unchecked((long)f.Device)).ToArray());
        command.AddValue(files.Select(f => f.Hash).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
        return await ReadCountsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Upserts stage_work rows (after, after + count] server-side (no hashing).</summary>
    public static async Task<(int Added, int Updated)> UpsertFromWorkAsync(NpgsqlConnection connection, Guid rootId, long generation, long after, int count, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(ReconciliationSql.UpsertFromWork, connection);
        command.AddValues(rootId, generation, after, after + count);
        return await ReadCountsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Removes the records of these paths (with <paramref name="subtree"/>, everything beneath them too):
    /// records holding tiering or access history are kept and marked absent, the rest deleted. Returns how many
    /// records were removed either way.
    /// </summary>
    public static async Task<int> RemoveAsync(NpgsqlConnection connection, Guid rootId, IReadOnlyList<string> paths, bool subtree, CancellationToken cancellationToken)
    {
        if (paths.Count == 0)
        {
            return 0;
        }

        await using var command = new NpgsqlCommand(ReconciliationSql.RemoveRecords(subtree), connection);
        command.AddValues(rootId, paths.ToArray());
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static async Task<(int, int)> ReadCountsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return ((int)reader.GetInt64(0), (int)reader.GetInt64(1));
    }
}
