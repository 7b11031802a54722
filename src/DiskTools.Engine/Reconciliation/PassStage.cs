using System.Threading.Channels;
using Npgsql;
using NpgsqlTypes;

namespace DiskTools.Engine.Reconciliation;

/// <summary>
/// The pass's temporary tables on its own connection: stage_files (the walk, streamed with binary COPY),
/// stage_blocked (path prefixes under directories that could not be listed completely), stage_work (the
/// added and changed files, numbered for batching) and stage_orphans (records to delete, numbered too).
/// Comparing sets in SQL touches no unchanged record: "seen in this pass" is membership in stage_files.
/// </summary>
internal sealed class PassStage
{
    private readonly NpgsqlConnection connection;

    public PassStage(NpgsqlConnection connection) => this.connection = connection;

    public async Task CreateAsync(CancellationToken cancellationToken)
        => await ExecuteAsync("""
            DROP TABLE IF EXISTS pg_temp.stage_files, pg_temp.stage_blocked, pg_temp.stage_work, pg_temp.stage_orphans;
            CREATE TEMP TABLE stage_files (
                file_path text COLLATE "C" NOT NULL, file_size bigint NOT NULL, mtime_ns bigint NOT NULL,
                ctime_ns bigint NOT NULL, inode bigint NOT NULL, dev bigint NOT NULL);
            CREATE TEMP TABLE stage_blocked (prefix text COLLATE "C" NOT NULL);
            """, cancellationToken).ConfigureAwait(false);

    /// <summary>Streams every staged file into stage_files with one binary COPY; returns the row count.</summary>
    public async Task<long> CopyAsync(ChannelReader<StagedFile[]> rows, CancellationToken cancellationToken)
    {
        long count = 0;
        await using NpgsqlBinaryImporter importer = await connection.BeginBinaryImportAsync(
            "COPY stage_files (file_path, file_size, mtime_ns, ctime_ns, inode, dev) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        await foreach (StagedFile[] batch in rows.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (StagedFile file in batch)
            {
                await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(file.Path, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(file.Size, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(file.ModifiedNs, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(file.ChangedNs, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(unchecked((long)file.Inode), NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(unchecked((long)file.Device), NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
            }

            count += batch.Length;
        }

        await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        return count;
    }

    /// <summary>Records that incomplete directories protect everything beneath them from orphan deletion.</summary>
    public async Task BlockAsync(IReadOnlyCollection<string> incompleteDirectories, CancellationToken cancellationToken)
    {
        if (incompleteDirectories.Count == 0)
        {
            return;
        }

        await using var command = new NpgsqlCommand("INSERT INTO stage_blocked SELECT CASE WHEN d = '' THEN '' ELSE d || '/' END FROM unnest($1::text[]) d", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = incompleteDirectories.ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Builds stage_work: files with no record, files whose size, mtime, ctime, inode or device differ from
    /// the record (inequality, so a restored file with an older mtime counts), and — when hashing — recorded
    /// files still without a hash. Returns how many.
    /// </summary>
    public async Task<long> BuildWorkAsync(Guid repositoryId, bool hashing, CancellationToken cancellationToken)
    {
        await ExecuteAsync("ANALYZE pg_temp.stage_files", cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            CREATE TEMP TABLE stage_work AS
            SELECT row_number() OVER () AS seq, s.file_path, s.file_size, s.mtime_ns, s.ctime_ns, s.inode, s.dev
            FROM stage_files s
            LEFT JOIN file_records r ON r.repository_id = $1 AND r.file_path = s.file_path
            WHERE r.id IS NULL
               OR (r.file_size, r.mtime_ns, r.ctime_ns, r.inode, r.dev) IS DISTINCT FROM (s.file_size, s.mtime_ns, s.ctime_ns, s.inode, s.dev)
               OR ($2 AND r.content_hash IS NULL)
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = repositoryId });
        command.Parameters.Add(new NpgsqlParameter { Value = hashing });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return await IndexAndCountAsync("stage_work", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One page of stage_work (seq in (after, after + count]).</summary>
    public async Task<List<StagedFile>> ReadWorkAsync(long after, int count, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT file_path, file_size, mtime_ns, ctime_ns, inode, dev FROM stage_work WHERE seq > $1 AND seq <= $2 ORDER BY seq", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = after });
        command.Parameters.Add(new NpgsqlParameter { Value = after + count });
        var page = new List<StagedFile>(count);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            page.Add(new StagedFile(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
                unchecked((ulong)reader.GetInt64(4)), unchecked((ulong)reader.GetInt64(5))));
        }

        return page;
    }

    /// <summary>
    /// Builds stage_orphans: records of this repository not seen by the walk, not beneath a directory the walk
    /// could not finish, and not written since the pass began (a watcher may have just added them).
    /// </summary>
    public async Task<long> BuildOrphansAsync(Guid repositoryId, string scope, DateTimeOffset passStart, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            CREATE TEMP TABLE stage_orphans AS
            SELECT row_number() OVER () AS seq, r.id
            FROM file_records r
            WHERE r.repository_id = $1 AND r.updated_at < $2
              AND ($3 = '' OR starts_with(r.file_path, $3 || '/'))
              AND NOT EXISTS (SELECT 1 FROM stage_files s WHERE s.file_path = r.file_path)
              AND NOT EXISTS (SELECT 1 FROM stage_blocked b WHERE starts_with(r.file_path, b.prefix))
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = repositoryId });
        command.Parameters.Add(new NpgsqlParameter { Value = passStart });
        command.Parameters.Add(new NpgsqlParameter { Value = scope });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return await IndexAndCountAsync("stage_orphans", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes one slice of stage_orphans in its own short transaction; returns how many went.</summary>
    public async Task<int> DeleteOrphansAsync(long after, int count, DateTimeOffset passStart, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            DELETE FROM file_records r USING stage_orphans o
            WHERE o.seq > $1 AND o.seq <= $2 AND r.id = o.id AND r.updated_at < $3
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = after });
        command.Parameters.Add(new NpgsqlParameter { Value = after + count });
        command.Parameters.Add(new NpgsqlParameter { Value = passStart });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task DropAsync()
    {
        if (connection.State == System.Data.ConnectionState.Open)
        {
            try
            {
                await ExecuteAsync("DROP TABLE IF EXISTS pg_temp.stage_files, pg_temp.stage_blocked, pg_temp.stage_work, pg_temp.stage_orphans", CancellationToken.None).ConfigureAwait(false);
            }
            catch (NpgsqlException)
            {
                // A broken connection takes its temporary tables with it.
            }
        }
    }

    private async Task<long> IndexAndCountAsync(string table, CancellationToken cancellationToken)
    {
        await ExecuteAsync($"CREATE INDEX ON pg_temp.{table} (seq)", cancellationToken).ConfigureAwait(false);
        await using var count = new NpgsqlCommand($"SELECT count(*) FROM pg_temp.{table}", connection);
        return (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
