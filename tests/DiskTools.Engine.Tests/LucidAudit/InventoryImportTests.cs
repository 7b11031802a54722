using DiskTools.Engine.InventoryImport;
using DiskTools.Engine.Output;
using DiskTools.Engine.Storage;
using DiskTools.TestFixtures;
using Npgsql;
using Parquet;
using Parquet.Schema;
using Xunit;

namespace DiskTools.Engine.Tests.LucidAudit;

public sealed class InventoryImportTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("dt-import-").FullName;

    [SkippableFact]
    public async Task Parquet_baseline_imports_valid_rows_and_reports_bad_ones_by_row_number()
    {
        string file = Path.Combine(dir, "scan.parquet");
        var path = new DataField<string>("path");
        var size = new DataField<long?>("size");
        var modified = new DataField<DateTime?>("modified");
        var accessed = new DataField<long?>("accessed");
        await using (FileStream stream = File.Create(file))
        await using (ParquetWriter writer = await ParquetWriter.CreateAsync(new ParquetSchema(path, size, modified, accessed), stream))
        {
            // Two row groups, so row numbers must run on across them.
            foreach ((string?[] p, long?[] s, DateTime?[] m, long?[] a) in new[]
            {
                (new string?[] { "a.bin", "../escape", "b.bin" }, new long?[] { 1, 2, 3 }, new DateTime?[] { new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc), DateTime.UnixEpoch, DateTime.UnixEpoch }, new long?[] { 1735689600, null, null }),
                (new string?[] { "c.bin", "d.bin" }, new long?[] { null, 4 }, new DateTime?[] { DateTime.UnixEpoch, DateTime.UnixEpoch }, new long?[] { null, 1735776000 }),
            })
            {
                using ParquetRowGroupWriter group = writer.CreateRowGroup();
                await group.WriteAsync(path, p);
                await group.WriteAsync<long>(size, s.AsMemory());
                await group.WriteAsync<DateTime>(modified, m.AsMemory());
                await group.WriteAsync<long>(accessed, a.AsMemory());
            }
        }

        var database = InventoryDatabase.Open(PostgresCluster.Shared.CreateDatabase(), null);
        var output = new RecordingWriter();
        InventoryImportResult result = await InventoryImporter.ImportAsync(database, file, dir, InventoryFileFormat.Auto, 100, output, CancellationToken.None);

        Assert.Equal(("Parquet", 5L, 3L, 2L), (result.Format, result.RowsRead, result.Inserted, result.Skipped));
        Assert.Equal(["scan.parquet row 2:", "scan.parquet row 4:"], output.Errors.Select(e => string.Join(' ', e.Exception.Message.Split(' ')[..3])));
        Assert.All(output.Errors, e => Assert.Equal((ErrorIds.InventoryImportRowInvalid, ErrorKind.InvalidData), (e.ErrorId, e.Kind)));
        Assert.Equal(new DateTime(2025, 1, 2, 0, 0, 0, DateTimeKind.Utc), await Scalar<DateTime>(database, "SELECT last_accessed FROM file_records WHERE file_path = 'd.bin'"));
        Assert.Equal("initial_scan", await Scalar<string>(database, "SELECT last_accessed_source::text FROM file_records WHERE file_path = 'a.bin'"));
    }

    [SkippableFact]
    public async Task A_file_that_is_not_a_baseline_imports_nothing()
    {
        string file = Path.Combine(dir, "wrong.csv");
        File.WriteAllLines(file, ["name,bytes", "x,1"]);
        var database = InventoryDatabase.Open(PostgresCluster.Shared.CreateDatabase(), null);
        var error = await Assert.ThrowsAsync<DiskToolsException>(() => InventoryImporter.ImportAsync(database, file, dir, InventoryFileFormat.Auto, 100, new RecordingWriter(), CancellationToken.None));
        Assert.Equal(ErrorIds.InventoryImportSourceInvalid, error.ErrorId);
        Assert.Contains("No path, modified column", error.Message, StringComparison.Ordinal);
        Assert.Equal(0L, await Scalar<long>(database, "SELECT count(*) FROM file_records"));
    }

    [Fact]
    public void Times_and_paths_parse_as_documented()
    {
        Assert.True(InventoryValueParser.TryParseTime("1735689600.5", "modified", out DateTime unix, out _));
        Assert.Equal(new DateTime(2025, 1, 1, 0, 0, 0, 500, DateTimeKind.Utc), unix);
        Assert.True(InventoryValueParser.TryParseTime("2025-01-01T02:00:00+02:00", "modified", out DateTime offset, out _));
        Assert.Equal(new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc), offset);
        Assert.True(InventoryValueParser.TryParseTime("2025-01-01 00:00", "modified", out DateTime plain, out _));
        Assert.Equal(DateTimeKind.Utc, plain.Kind);
        Assert.False(InventoryValueParser.TryParseTime("yesterday", "modified", out _, out _));
        Assert.True(InventoryValueParser.TryMakeRelative("/srv/x/a/b", "/srv/x", out string rel, out _));
        Assert.Equal("a/b", rel);
        Assert.True(InventoryValueParser.TryMakeRelative("./a", "/srv/x", out rel, out _));
        Assert.Equal("a", rel);
        Assert.False(InventoryValueParser.TryMakeRelative("/srv/xy/a", "/srv/x", out _, out _));
        Assert.False(InventoryValueParser.TryMakeRelative("a/../b", "/srv/x", out _, out _));
    }

    [SkippableFact]
    public async Task The_digest_the_import_sends_is_the_key_the_inventory_computes()
    {
        // The import orders and de-duplicates its rows by the digest it computes itself; it must be exactly
        // disktools_path_digest of the path, or rows would merge under the wrong key order or not at all.
        var database = InventoryDatabase.Open(PostgresCluster.Shared.CreateDatabase(), null);
        await MigrationRunner.EnsureCurrentAsync(database, CancellationToken.None);
        string[] paths = ["a.bin", "dir/Ünïcødé ✓.txt", "日本/ファイル", new string('x', 3000) + "/long", "emoji/\U0001F600.png"];
        var rows = new System.Buffers.ArrayBufferWriter<byte>();
        ImportCopyEncoder.WriteHeader(rows);
        for (int i = 0; i < paths.Length; i++)
        {
            ImportCopyEncoder.WriteRow(rows, new InventoryImportRow(i + 1, paths[i], i, DateTime.UnixEpoch, i % 2 == 0 ? null : DateTime.UnixEpoch));
        }

        ImportCopyEncoder.WriteTrailer(rows);
        await using NpgsqlConnection connection = await database.DataSource.OpenConnectionAsync();
        await using (var create = new NpgsqlCommand("""
            CREATE TEMP TABLE sent (row_number bigint, file_path text COLLATE "C", file_size bigint, mod_time timestamptz,
                                    mtime_ns bigint, accessed timestamptz, path_digest bytea)
            """, connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        await using (NpgsqlRawCopyStream copy = await connection.BeginRawBinaryCopyAsync(
            "COPY sent (row_number, file_path, file_size, mod_time, mtime_ns, accessed, path_digest) FROM STDIN (FORMAT BINARY)"))
        {
            await copy.WriteAsync(rows.WrittenMemory);
        }

        await using var check = new NpgsqlCommand("SELECT array_agg(file_path ORDER BY row_number), count(*) FILTER (WHERE path_digest = disktools_path_digest(file_path)) FROM sent", connection);
        await using NpgsqlDataReader result = await check.ExecuteReaderAsync();
        await result.ReadAsync();
        Assert.Equal(paths, result.GetFieldValue<string[]>(0));
        Assert.Equal((long)paths.Length, result.GetInt64(1));
    }

    [SkippableFact]
    public async Task An_import_into_a_root_with_records_merges_them_without_duplicates_or_losses()
    {
        var database = InventoryDatabase.Open(PostgresCluster.Shared.CreateDatabase(), null);
        string first = Path.Combine(dir, "first.csv"), second = Path.Combine(dir, "second.csv");
        File.WriteAllLines(first, ["path,size,modified,accessed",
            "keep.bin,1,2024-01-01T00:00:00Z,2025-01-01T00:00:00Z",
            "raise.bin,2,2024-01-01T00:00:00Z,2025-01-01T00:00:00Z",
            "tiered.bin,3,2024-01-01T00:00:00Z,2025-01-01T00:00:00Z"]);
        Assert.Equal(3L, (await InventoryImporter.ImportAsync(database, first, dir, InventoryFileFormat.Auto, 100, new RecordingWriter(), CancellationToken.None)).Inserted);
        await Scalar<int>(database, "UPDATE file_records SET tier_state = 'stubbed', access_count = 7 WHERE file_path = 'tiered.bin' RETURNING 1");

        // An older access for keep.bin, a newer one for raise.bin (twice: the later row wins), new files.
        File.WriteAllLines(second, ["path,size,modified,accessed",
            "keep.bin,99,2024-06-01T00:00:00Z,2024-01-01T00:00:00Z",
            "raise.bin,99,2024-06-01T00:00:00Z,2025-03-01T00:00:00Z",
            "raise.bin,99,2024-06-01T00:00:00Z,2025-02-01T00:00:00Z",
            "tiered.bin,99,2024-06-01T00:00:00Z,2025-04-01T00:00:00Z",
            "new.bin,4,2024-01-01T00:00:00Z,"]);
        InventoryImportResult result = await InventoryImporter.ImportAsync(database, second, dir, InventoryFileFormat.Auto, 100, new RecordingWriter(), CancellationToken.None);

        Assert.Equal((5L, 1L, 2L, 2L), (result.RowsRead, result.Inserted, result.Updated, result.Unchanged));
        Assert.Equal(4L, await Scalar<long>(database, "SELECT count(*) FROM file_records"));
        Assert.Equal(4L, await Scalar<long>(database, "SELECT count(DISTINCT file_path) FROM file_records"));
        // What the first import recorded (size, mtime) stays; only last_accessed may rise.
        Assert.Equal("keep.bin 1 2025-01-01|new.bin 4 -|raise.bin 2 2025-02-01|tiered.bin 3 2025-04-01", await Scalar<string>(database, """
            SELECT string_agg(file_path || ' ' || file_size || ' ' || coalesce(to_char(last_accessed AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '-'), '|' ORDER BY file_path)
            FROM file_records
            """));
        Assert.Equal("stubbed 7", await Scalar<string>(database, "SELECT tier_state || ' ' || access_count FROM file_records WHERE file_path = 'tiered.bin'"));
    }

    private static async Task<T> Scalar<T>(InventoryDatabase database, string sql)
    {
        await using NpgsqlConnection connection = await database.DataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public void Dispose() => Directory.Delete(dir, true);
}
