namespace DiskTools.Engine.InventoryImport;

/// <summary>
/// Every SQL statement of Import-FileInventory: the baseline copied either into a staging table and merged
/// set-based into a root's records, or, for a root without records, straight into the root's new partition,
/// which is then keyed and attached; and the statistics refresh after it. These statements live only here;
/// InventoryImporter and RootPartition bind their parameters ($1 is always the root's id) and choose
/// transactions, savepoints and timeouts.
/// </summary>
internal static class ImportSql
{
    /// <summary>The staging table for the baseline's rows, gone with the import's transaction.</summary>
    public const string CreateImportRows = """
        CREATE TEMP TABLE import_rows (
            row_number bigint NOT NULL, file_path text COLLATE "C" NOT NULL, file_size bigint NOT NULL,
            mod_time timestamptz NOT NULL, mtime_ns bigint NOT NULL, accessed timestamptz,
            path_digest bytea NOT NULL) ON COMMIT DROP
        """;

    /// <summary>The binary COPY into import_rows, in the column order ImportCopyEncoder writes.</summary>
    public const string CopyImportRows = "COPY import_rows (row_number, file_path, file_size, mod_time, mtime_ns, accessed, path_digest) FROM STDIN (FORMAT BINARY)";

    /// <summary>The de-duplicating sort and the insert's hash tables fit in memory instead of spilling.</summary>
    public const string WriteWorkMemory = "SET LOCAL work_mem = '256MB'";

    /// <summary>The columns of file_records an import fills (besides id and repository_id), in <see cref="NewRecords"/>'s order.</summary>
    private const string RecordColumns = "file_path, file_size, mod_time, mtime_ns, ctime_ns, inode, dev, last_accessed, last_accessed_source, updated_utc";

    /// <summary>
    /// The staged rows as new records, one per path (the last row for a path wins). A new record has inode and
    /// device 0, so the next pass examines its file.
    /// </summary>
    private const string NewRecords = """
        SELECT DISTINCT ON (path_digest) file_path, file_size, mod_time, mtime_ns, mtime_ns, 0::bigint, 0::bigint, accessed,
               CASE WHEN accessed IS NULL THEN NULL ELSE 'initial_scan'::file_access_source END, now()
        FROM import_rows ORDER BY path_digest, row_number DESC
        """;

    /// <summary>
    /// Upserts the staged rows into a root that already has records; returns (inserted, updated). The rows
    /// reach the insert in the order of file_records' unique key (path digest, root), one per key (the last row
    /// for a path wins): each insert then lands on the index page the previous one touched instead of a random
    /// one, which made a million-row import about a quarter faster.
    /// </summary>
    public const string MergeRecords = $"""
        WITH written AS (
            INSERT INTO file_records AS r (repository_id, {RecordColumns})
            SELECT $1, rows.* FROM ({NewRecords}) AS rows
            ON CONFLICT (repository_id, path_digest) DO UPDATE SET
                last_accessed = EXCLUDED.last_accessed, last_accessed_source = 'initial_scan', updated_utc = now()
            WHERE EXCLUDED.last_accessed > r.last_accessed OR (r.last_accessed IS NULL AND EXCLUDED.last_accessed IS NOT NULL)
            -- A partitioned table returns no system columns (xmax): a record this transaction created carries its
            -- start time, which no record written before it can.
            RETURNING (r.created_at = now()) AS inserted)
        SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written
        """;

    /// <summary>
    /// A bulk load leaves the inventory's statistics describing the table before it: the next pass or ingest
    /// would be planned for a table a fraction of its size. Measure it now.
    /// </summary>
    public const string AnalyzeRecords = "ANALYZE file_records";

    // ---- A root without records loaded as a whole partition (RootPartition, migrations 0105 and 0106) ----

    /// <summary>
    /// The lock disktools_ensure_records_partition takes (migration 0106): until this transaction ends, nobody
    /// else gives the root a partition (or writes a record into it), so "no partition" stays true while it
    /// loads. The lock is its own statement: the look that follows must see what a holder committed while it waited.
    /// </summary>
    public const string LockRecordsPartition = "SELECT disktools_lock_records_partition($1)";

    /// <summary>
    /// The root's partition name, the oid of file_records' id sequence, whether the partition exists, and
    /// whether this user may attach one: ATTACH PARTITION needs file_records' owner's rights and a new table
    /// in its schema.
    /// </summary>
    public const string ProbeRecordsPartition = """
        SELECT disktools_records_partition($1), pg_get_serial_sequence('file_records', 'id')::regclass::oid::text,
               disktools_records_partition_exists($1),
               pg_has_role(c.relowner, 'USAGE') AND has_schema_privilege(c.relnamespace, 'CREATE')
        FROM pg_class c WHERE c.oid = 'file_records'::regclass
        """;

    /// <summary>The partition file_records' owner's function creates, for a user who may not attach one and merges instead.</summary>
    public const string EnsureRecordsPartition = "SELECT disktools_ensure_records_partition($1)";

    // The partition's name is derived from a Guid ("file_records_" and 32 hex digits): nothing in it needs
    // quoting. The id sequence is named by its oid, a constant: looking it up by name for every row took a
    // third of the insert.

    /// <summary>
    /// The new partition, shaped like file_records, its index builds given memory. Until the rows are in, each
    /// row copied gets its id from file_records' id sequence (oid <paramref name="ids"/>; ids follow the rows'
    /// order) and the import's time as updated_utc. The CHECK states the partition's bound, so that ATTACH
    /// need not read every row to prove it; the partial indexes are kept from the start (migration 0108).
    /// </summary>
    public static string CreatePartition(string partition, Guid rootId, string ids) => $"""
        SET LOCAL maintenance_work_mem = '256MB';
        CREATE TABLE {partition} (LIKE file_records INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS,
            CONSTRAINT {partition}_root CHECK (repository_id = '{rootId:D}')) WITH (fillfactor = 50);
        ALTER TABLE {partition} ALTER id SET DEFAULT nextval({ids}::oid::regclass), ALTER updated_utc SET DEFAULT now();
        SELECT disktools_add_partial_record_indexes('{partition}')
        """;

    /// <summary>The binary COPY of the baseline's rows into the new partition, in ImportCopyEncoder.WriteRecordRow's column order.</summary>
    public static string CopyIntoPartition(string partition)
        => $"COPY {partition} (repository_id, file_path, file_size, mod_time, mtime_ns, ctime_ns, inode, dev, last_accessed, last_accessed_source) FROM STDIN (FORMAT BINARY)";

    /// <summary>The defaults the copy needed go: every other record gets its id and updated_utc from the statement that writes it.</summary>
    public static string EndPartitionCopy(string partition) => $"ALTER TABLE {partition} ALTER id DROP DEFAULT, ALTER updated_utc DROP DEFAULT";

    /// <summary>file_records' unique key (path digest, root; migration 0107) on the new partition; ATTACH takes it as the partition's share.</summary>
    public static string AddPartitionPathKey(string partition) => $"ALTER TABLE {partition} ADD UNIQUE (path_digest, repository_id)";

    /// <summary>Of the rows for one path, keeps the last the baseline gave (the highest id: ids were drawn in the rows' order).</summary>
    public static string RemoveEarlierRowsOfAPath(string partition) => $"""
        DELETE FROM {partition} AS earlier USING {partition} AS later
        WHERE later.path_digest = earlier.path_digest AND later.id > earlier.id
        """;

    /// <summary>
    /// Builds the partition's share of every other index of file_records, checks its root reference and
    /// attaches it; then the CHECK that spared ATTACH the scan goes, so every partition has the same constraints.
    /// </summary>
    public static string AttachPartition(string partition, Guid rootId) => $"""
        ALTER TABLE file_records ATTACH PARTITION {partition} FOR VALUES IN ('{rootId:D}');
        ALTER TABLE {partition} DROP CONSTRAINT {partition}_root
        """;
}
