using DiskTools.Engine.InventoryImport;
using DiskTools.Engine.Reconciliation;
using DiskTools.Engine.Storage;
using DiskTools.Engine.Tests.Reconciliation;
using DiskTools.TestFixtures;
using Npgsql;
using Xunit;

namespace DiskTools.Engine.Tests.LucidAudit;

/// <summary>file_records as one partition per root, on real PostgreSQL: migrated, built whole by a baseline import, rolled back whole.</summary>
public sealed class RootPartitionTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("disktools-partition-").FullName;

    [SkippableFact]
    public async Task An_inventory_from_before_partitioning_keeps_every_record_id_and_value_when_migrated()
    {
        Inventory.Require();
        string cs = PostgresCluster.Shared.CreateDatabase();
        var database = InventoryDatabase.Open(cs, null);
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();

        // The schema as it was before 0105, applied the way the runner records it, with two roots' records.
        await Execute(connection, "CREATE TABLE disktools_schema_migrations (version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
        foreach (Migration migration in Migration.Embedded.Where(m => m.Version < 105))
        {
            await Execute(connection, migration.Sql);
            await Execute(connection, $"INSERT INTO disktools_schema_migrations (version, name, checksum) VALUES ({migration.Version}, '{migration.Name}', '{migration.Checksum}')");
        }

        await Execute(connection, """
            INSERT INTO repositories (id, root_path) VALUES ('00000000-0000-0000-0000-00000000000a', '/a'), ('00000000-0000-0000-0000-00000000000b', '/b');
            INSERT INTO file_records (repository_id, file_path, file_size, mod_time, mtime_ns, ctime_ns, inode, dev, content_hash,
                                      last_accessed, last_accessed_source, tier_state, access_count, absent_since)
            SELECT CASE WHEN g % 2 = 0 THEN '00000000-0000-0000-0000-00000000000a'::uuid ELSE '00000000-0000-0000-0000-00000000000b'::uuid END,
                   'dir/f' || g, g, timestamptz '2024-01-01' + g * interval '1 second', g, g, g, 7, repeat('ab', 32),
                   timestamptz '2025-01-01' + g * interval '1 minute', 'lucidlink_audit', CASE WHEN g % 3 = 0 THEN 'stubbed' ELSE 'none' END::file_tier_state,
                   g, CASE WHEN g % 5 = 0 THEN now() END
            FROM generate_series(1, 1000) g;
            DELETE FROM file_records WHERE file_path = 'dir/f1000';
            """);
        const string Snapshot = "SELECT string_agg(r::text, E'\\n' ORDER BY id) FROM (SELECT * FROM file_records) r";
        string before = await Scalar<string>(connection, Snapshot);

        const string Digests = """
            SELECT string_agg(encode(disktools_path_digest(p), 'hex'), ',' ORDER BY p)
            FROM (VALUES (E'a\\b'), (E'\\\\'), (E'\\123 \\x41'), ('café/日本語'), (E'tab\there'), (''), ('%_*?[]')) AS v (p)
            """;
        string digestsBefore = await Scalar<string>(connection, Digests);

        MigrationResult result = await MigrationRunner.MigrateAsync(database, CancellationToken.None);

        // The key function keeps its values (its body changed for speed), and they are what the rows hold.
        Assert.Equal(digestsBefore, await Scalar<string>(connection, Digests));
        Assert.Equal(0L, await Scalar<long>(connection, "SELECT count(*) FROM file_records WHERE path_digest <> sha256(convert_to(file_path, 'UTF8'))"));

        Assert.Contains(105, result.Applied);
        Assert.Equal(before, await Scalar<string>(connection, Snapshot));
        Assert.Equal(2L, await Scalar<long>(connection, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'file_records'::regclass"));
        Assert.Equal(499L, await Scalar<long>(connection, "SELECT count(*) FROM file_records_0000000000000000000000000000000a"));
        Assert.Equal(0L, await Scalar<long>(connection, "SELECT count(*) FROM pg_class WHERE relname LIKE 'file_records_unpartitioned%'"));
        // New records draw ids after every old one, the deleted one's included; a path stays unique per root.
        Assert.Equal(1001L, await Scalar<long>(connection, """
            INSERT INTO file_records (repository_id, file_path, file_size, mod_time, mtime_ns, ctime_ns, inode, dev)
            VALUES ('00000000-0000-0000-0000-00000000000a', 'new', 1, now(), 1, 1, 1, 1) RETURNING id
            """));
        await Assert.ThrowsAsync<PostgresException>(() => Execute(connection, """
            INSERT INTO file_records (repository_id, file_path, file_size, mod_time, mtime_ns, ctime_ns, inode, dev)
            VALUES ('00000000-0000-0000-0000-00000000000a', 'new', 1, now(), 1, 1, 1, 1)
            """));
    }

    [SkippableFact]
    public async Task A_baseline_into_a_new_root_becomes_its_partition_and_a_rolled_back_one_leaves_none()
    {
        Inventory.Require();
        string cs = PostgresCluster.Shared.CreateDatabase();
        var database = InventoryDatabase.Open(cs, null);
        string stop = Csv("stop.csv", "a.txt,1,2025-01-01T00:00:00Z", "b.txt,oops,2025-01-01T00:00:00Z");
        string good = Csv("good.csv", "a.txt,1,2025-01-01T00:00:00Z", "a.txt,2,2025-01-01T00:00:00Z", "c.txt,3,2025-01-01T00:00:00Z");

        // Made terminating after the rows were loaded: the partition goes with the transaction.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => InventoryImporter.ImportAsync(
            database, stop, dir, InventoryFileFormat.Auto, null, 100, new RecordingWriter { StopAtFirstError = true }, CancellationToken.None));
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        Assert.Equal(0L, await Scalar<long>(connection, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'file_records'::regclass"));

        InventoryImportResult imported = await InventoryImporter.ImportAsync(database, good, dir, InventoryFileFormat.Auto, null, 100, new RecordingWriter(), CancellationToken.None);

        Assert.Equal((3L, 2L, 0L), (imported.RowsRead, imported.Inserted, imported.Updated));
        InventoryRoot repository = await RootStore.RequireAsync(database, Reconciler.NormaliseRoot(dir), CancellationToken.None);
        Assert.Equal("a.txt 2|c.txt 3", await Scalar<string>(connection,
            $"SELECT string_agg(file_path || ' ' || file_size, '|' ORDER BY file_path) FROM file_records_{repository.Id:N}"));
        // The partition has every index file_records has, attached to it, and no other: the partial indexes made
        // before the rows were copied are the ones ATTACH took, not doubles of them.
        long parentIndexes = await Scalar<long>(connection, "SELECT count(*) FROM pg_index WHERE indrelid = 'file_records'::regclass");
        Assert.Equal(parentIndexes,
            await Scalar<long>(connection, $"SELECT count(*) FROM pg_inherits i JOIN pg_index x ON x.indexrelid = i.inhrelid WHERE x.indrelid = 'file_records_{repository.Id:N}'::regclass"));
        Assert.Equal(parentIndexes, await Scalar<long>(connection, $"SELECT count(*) FROM pg_index WHERE indrelid = 'file_records_{repository.Id:N}'::regclass"));

        // The next pass works on the records the baseline made (c.txt is not there: its record goes), and the
        // next import merges into them.
        File.WriteAllText(Path.Combine(dir, "a.txt"), "xy");
        ReconciliationOperation pass = await Reconciler.RunPassAsync(database, dir, new ReconciliationOptions { Hash = false, Force = true }, new RecordingWriter(), CancellationToken.None);
        Assert.Equal(("completed", 1), (pass.Status, pass.FilesRemoved));
        InventoryImportResult merged = await InventoryImporter.ImportAsync(database, good, dir, InventoryFileFormat.Auto, null, 100, new RecordingWriter(), CancellationToken.None);
        Assert.Equal((1L, 0L), (merged.Inserted, merged.Updated));
        Assert.Equal("a.txt 2|c.txt 3|good.csv|stop.csv", await Scalar<string>(connection,
            "SELECT string_agg(file_path || CASE WHEN file_path LIKE '%.txt' THEN ' ' || file_size ELSE '' END, '|' ORDER BY file_path) FROM file_records"));
    }

    [SkippableFact]
    public async Task Two_baselines_of_one_new_root_at_once_both_land_without_duplicates()
    {
        Inventory.Require();
        var database = InventoryDatabase.Open(PostgresCluster.Shared.CreateDatabase(), null);
        string[] rows = [.. Enumerable.Range(0, 20_000).Select(i => $"d/f{i},{i},2025-01-01T00:00:00Z")];
        string one = Csv("one.csv", rows), two = Csv("two.csv", rows);

        InventoryImportResult[] results = await Task.WhenAll(
            Task.Run(() => InventoryImporter.ImportAsync(database, one, dir, InventoryFileFormat.Auto, null, 100, new RecordingWriter(), CancellationToken.None)),
            Task.Run(() => InventoryImporter.ImportAsync(database, two, dir, InventoryFileFormat.Auto, null, 100, new RecordingWriter(), CancellationToken.None)));

        Assert.Equal(20_000L, results.Sum(r => r.Inserted));
        await using NpgsqlConnection connection = await database.DataSource.OpenConnectionAsync();
        Assert.Equal(20_000L, await Scalar<long>(connection, "SELECT count(DISTINCT file_path) FROM file_records"));
        Assert.Equal(20_000L, await Scalar<long>(connection, "SELECT count(*) FROM file_records"));
    }

    [SkippableFact]
    public async Task A_user_who_may_not_attach_partitions_has_a_new_roots_baseline_merged_into_the_partition_made_for_it()
    {
        Inventory.Require();
        string cs = PostgresCluster.Shared.CreateDatabase();
        await MigrationRunner.EnsureCurrentAsync(InventoryDatabase.Open(cs, null), CancellationToken.None);
        // This user may write records and create tables, but does not own file_records: only its owner may
        // attach a partition, so a baseline cannot become the new root's partition and is merged instead.
        string role = "importer_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = new NpgsqlConnection(cs))
        {
            await admin.OpenAsync();
            await Execute(admin, $"""
                CREATE ROLE {role} LOGIN;
                GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
                GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role};
                GRANT CREATE ON SCHEMA public TO {role}
                """);
        }

        var importer = InventoryDatabase.Open(new NpgsqlConnectionStringBuilder(cs) { Username = role }.ConnectionString, null);
        string baseline = Csv("baseline.csv", "a.txt,1,2025-01-01T00:00:00Z", "b.txt,2,2025-01-01T00:00:00Z", "a.txt,3,2025-01-01T00:00:00Z");

        InventoryImportResult imported = await InventoryImporter.ImportAsync(importer, baseline, dir, InventoryFileFormat.Auto, null, 100, new RecordingWriter(), CancellationToken.None);

        Assert.Equal((3L, 2L, 0L), (imported.RowsRead, imported.Inserted, imported.Updated));
        InventoryRoot root = await RootStore.RequireAsync(importer, Reconciler.NormaliseRoot(dir), CancellationToken.None);
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        Assert.Equal("a.txt 3|b.txt 2", await Scalar<string>(connection,
            $"SELECT string_agg(file_path || ' ' || file_size, '|' ORDER BY file_path) FROM file_records_{root.Id:N}"));
        Assert.Equal("postgres", await Scalar<string>(connection,
            $"SELECT pg_get_userbyid(c.relowner)::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE c.relname = 'file_records_{root.Id:N}'"));
    }

    [SkippableFact]
    public async Task A_baseline_makes_the_same_records_whether_copied_into_a_new_partition_or_merged()
    {
        // The two ways a baseline becomes records each say what a new record is: the copy into a new partition
        // in ImportCopyEncoder.WriteRecordRow, the merge in ImportSql's SQL. They must not drift apart.
        Inventory.Require();
        var database = InventoryDatabase.Open(PostgresCluster.Shared.CreateDatabase(), null);
        string copied = Directory.CreateDirectory(Path.Combine(dir, "copied")).FullName;
        string merged = Directory.CreateDirectory(Path.Combine(dir, "merged")).FullName;
        string baseline = Path.Combine(dir, "baseline.csv");
        File.WriteAllLines(baseline, ["path,size,modified,accessed",
            "plain.bin,1,2024-01-01T00:00:00Z,2025-01-01T12:34:56.789Z",
            "no access.bin,2,2024-01-01T00:00:00.123456Z,",
            "dir/Ünïcødé [1].txt,3,1970-01-01T00:00:00Z,2025-02-01T00:00:00Z",
            "far/future.bin,4,2300-01-01T00:00:00Z,2025-03-01T00:00:00Z"]);
        // A root that has its partition (and no records) takes the merge; a root without one, the copy.
        await RootStore.RegisterAsync(database, Reconciler.NormaliseRoot(merged), withRecordsPartition: true, CancellationToken.None);

        InventoryImportResult viaCopy = await InventoryImporter.ImportAsync(database, baseline, copied, InventoryFileFormat.Auto, null, 100, new RecordingWriter(), CancellationToken.None);
        InventoryImportResult viaMerge = await InventoryImporter.ImportAsync(database, baseline, merged, InventoryFileFormat.Auto, null, 100, new RecordingWriter(), CancellationToken.None);

        Assert.Equal((4L, 4L), (viaCopy.Inserted, viaMerge.Inserted));
        await using NpgsqlConnection connection = await database.DataSource.OpenConnectionAsync();
        string Records(string root) => $"""
            SELECT string_agg(concat_ws(' ', r.file_path, encode(r.path_digest, 'hex'), r.file_size, r.mod_time, r.mtime_ns, r.ctime_ns, r.inode, r.dev,
                                        coalesce(r.last_accessed::text, '-'), coalesce(r.last_accessed_source::text, '-'), r.tier_state, r.access_count,
                                        r.content_hash IS NULL, r.absent_since IS NULL, r.updated_utc IS NOT NULL, r.scan_generation), '|' ORDER BY r.file_path)
            FROM file_records r JOIN repositories p ON p.id = r.repository_id WHERE p.root_path = '{Reconciler.NormaliseRoot(root)}'
            """;
        string fromCopy = await Scalar<string>(connection, Records(copied));
        Assert.Contains("initial_scan", fromCopy, StringComparison.Ordinal);
        Assert.Equal(await Scalar<string>(connection, Records(merged)), fromCopy);
    }

    private string Csv(string name, params string[] rows)
    {
        string file = Path.Combine(dir, name);
        File.WriteAllLines(file, ["path,size,modified", .. rows]);
        return file;
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> Scalar<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public void Dispose() => Directory.Delete(dir, true);
}
