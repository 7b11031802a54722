namespace DiskTools.Engine.Reconciliation;

/// <summary>The SQL that writes file_records, shared by full passes and the watcher.</summary>
internal static class RecordSql
{
    /// <summary>
    /// A record whose loss could not be undone by a rescan: a tier state, or access history. When its file is
    /// gone it is kept and marked absent (absent_since), never deleted.
    /// </summary>
    public const string HoldsHistory = "(r.tier_state <> 'none' OR r.access_count > 0 OR r.last_accessed IS NOT NULL)";

    /// <summary>
    /// The upsert tail. The WHERE makes an upsert of an unchanged file a no-op that writes no row version;
    /// a stat change replaces the hash with the new one (or NULL when not hashed), while a hash arriving for
    /// an unchanged stat fills it in. The device number is written but not compared (a remount changes it,
    /// not the file). A record kept while its file was absent is present again. Counts come back as (added, updated).
    /// </summary>
    private const string UpsertTail = """
        ON CONFLICT (repository_id, path_digest) DO UPDATE SET
            file_size = EXCLUDED.file_size, mod_time = EXCLUDED.mod_time, mtime_ns = EXCLUDED.mtime_ns,
            ctime_ns = EXCLUDED.ctime_ns, inode = EXCLUDED.inode, dev = EXCLUDED.dev,
            content_hash = CASE
                WHEN (r.file_size, r.mtime_ns, r.ctime_ns, r.inode) = (EXCLUDED.file_size, EXCLUDED.mtime_ns, EXCLUDED.ctime_ns, EXCLUDED.inode)
                THEN coalesce(EXCLUDED.content_hash, r.content_hash)
                ELSE EXCLUDED.content_hash END,
            baseline_adopted_at = CASE
                WHEN (r.file_size, r.mtime_ns, r.ctime_ns, r.inode) = (EXCLUDED.file_size, EXCLUDED.mtime_ns, EXCLUDED.ctime_ns, EXCLUDED.inode)
                THEN r.baseline_adopted_at END,
            absent_since = NULL,
            last_scanned = now(), scan_generation = EXCLUDED.scan_generation, updated_at = now()
        WHERE (r.file_size, r.mtime_ns, r.ctime_ns, r.inode) IS DISTINCT FROM (EXCLUDED.file_size, EXCLUDED.mtime_ns, EXCLUDED.ctime_ns, EXCLUDED.inode)
           OR (EXCLUDED.content_hash IS NOT NULL AND r.content_hash IS DISTINCT FROM EXCLUDED.content_hash)
           OR r.absent_since IS NOT NULL
        -- A partitioned table returns no system columns (xmax): a record this transaction created carries its
        -- start time, which no record written before it can.
        RETURNING (r.created_at = now()) AS inserted)
        SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written
        """;

    private const string Columns = "(repository_id, file_path, file_size, mod_time, mtime_ns, ctime_ns, inode, dev, content_hash, last_scanned, scan_generation)";

    /// <summary>
    /// Upsert from client arrays: $1 root, $2 generation, $3.. path, size, mod_time, mtime, ctime, inode, dev,
    /// hash arrays. mod_time comes as the client computed it (Traversal.FileTimestamp), never derived from mtime_ns,
    /// which cannot hold times past 2262.
    /// </summary>
    public const string UpsertArrays = $"""
        WITH written AS (
        INSERT INTO file_records AS r {Columns}
        SELECT $1, file_path, file_size, mod_time, mtime_ns, ctime_ns, inode, dev, content_hash, now(), $2
        FROM unnest($3::text[], $4::bigint[], $5::timestamptz[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::text[])
             AS u (file_path, file_size, mod_time, mtime_ns, ctime_ns, inode, dev, content_hash)
        {UpsertTail}
        """;

    /// <summary>Upsert a slice of the pass's work table without shipping rows back and forth: $3 &lt; seq ≤ $4.</summary>
    public const string UpsertFromWork = $"""
        WITH written AS (
        INSERT INTO file_records AS r {Columns}
        SELECT $1, file_path, file_size, mod_time, mtime_ns, ctime_ns, inode, dev, NULL, now(), $2
        FROM pg_temp.stage_work WHERE seq > $3 AND seq <= $4
        {UpsertTail}
        """;
}
