namespace DiskTools.Engine.Reconciliation;

/// <summary>
/// The SQL of the inventory query cmdlets: Get-FileRecord, Get-ReconciliationStatus, Get-UnmatchedAuditEvent
/// and Set-FileTierState. Its statements live only here; the callers bind parameters and map rows. The
/// operations Get-ReconciliationOperation lists are read through <see cref="OperationLog"/>, which the
/// reconciliation pass writes, so that statement stays with the pass's SQL.
/// </summary>
internal static class InventoryQuerySql
{
    /// <summary>
    /// File records matching every condition given (a NULL parameter is no condition: root id, path regex,
    /// content hash, record ids), by root and path; one statement serves Get-FileRecord and Set-FileTierState's result.
    /// </summary>
    public const string ReadRecords = """
        SELECT f.id, f.repository_id, p.root_path, f.file_path, f.file_size, f.mod_time, f.mtime_ns, f.ctime_ns, f.inode, f.dev,
               f.content_hash, f.last_scanned, f.scan_generation, f.created_at, f.updated_at,
               f.last_accessed, f.last_accessed_source::text, f.access_count, f.tier_state::text
        FROM file_records f JOIN repositories p ON p.id = f.repository_id
        WHERE ($1::uuid IS NULL OR f.repository_id = $1)
          AND ($2::text IS NULL OR f.file_path ~ $2)
          AND ($3::text IS NULL OR f.content_hash = $3)
          AND ($4::bigint[] IS NULL OR f.id = ANY ($4))
        ORDER BY p.root_path, f.file_path
        """;

    /// <summary>
    /// A root's record count and its watcher (Get-ReconciliationStatus). The one-row left join gives a row
    /// even when no watcher ever registered.
    /// </summary>
    public const string RootStatus = """
        SELECT (SELECT count(*) FROM file_records WHERE repository_id = $1),
               w.heartbeat_at > now() - w.stale_after, w.host_name, w.process_id, w.heartbeat_at, w.next_reconciliation
        FROM (SELECT 1) one LEFT JOIN repository_watchers w ON w.repository_id = $1
        """;

    /// <summary>
    /// The record id of each path in the order given (NULL where there is none), found by path digest.
    /// </summary>
    public const string FindRecordIds = """
        SELECT p.path, f.id FROM unnest($2::text[]) WITH ORDINALITY AS p(path, n)
        LEFT JOIN file_records f ON f.repository_id = $1 AND f.path_digest = disktools_path_digest(p.path)
        ORDER BY p.n
        """;

    /// <summary>
    /// Sets the tier state of the records with the given ids and returns the ids that still exist.
    /// </summary>
    public const string SetTierState = """
        UPDATE file_records SET tier_state = $2::file_tier_state, updated_utc = now()
        WHERE id = ANY ($1) RETURNING id
        """;

    /// <summary>
    /// The newest queued unmatched audit events of a root, newest first (Get-UnmatchedAuditEvent).
    /// </summary>
    public const string ListUnmatched = """
        SELECT u.tenant_id, c.node_id, c.audit_file, u.line_number, u.event_utc, a.name, u.entry_path, u.target_path, u.user_name, u.queued_utc
        FROM lucid_audit_unmatched u
        JOIN lucid_audit_cursor c ON c.id = u.cursor_id
        JOIN lucid_audit_actions a ON a.action = u.action
        WHERE u.volume_id = $1
        ORDER BY u.event_utc DESC, u.cursor_id DESC, u.line_number DESC
        LIMIT $2
        """;
}
