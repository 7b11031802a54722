using System.Text;
using DiskTools.Engine.InventoryImport;
using DiskTools.Engine.Output;
using DiskTools.Engine.Storage;
using DiskTools.TestFixtures;
using Npgsql;
using Xunit;

namespace DiskTools.Engine.Tests.LucidAudit;

/// <summary>
/// Import-FileInventory takes in only what it understood, against the real PostgreSQL: each row it cannot
/// take is reported at its line and skipped, a file it cannot read is one error naming the file.
/// </summary>
public sealed class HonestImportTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("dt-honest-").FullName;

    public void Dispose() => Directory.Delete(dir, true);

    private string Csv(string name, params byte[][] lines)
    {
        string file = Path.Combine(dir, name);
        File.WriteAllBytes(file, lines.SelectMany(l => l.Concat("\n"u8.ToArray())).ToArray());
        return file;
    }

    private static byte[] Text(string line) => Encoding.UTF8.GetBytes(line);

    private async Task<(InventoryImportResult Result, RecordingWriter Writer, InventoryDatabase Database)> ImportAsync(string file, Encoding? encoding = null)
    {
        var database = InventoryDatabase.Open(PostgresCluster.Shared.CreateDatabase(), null);
        var writer = new RecordingWriter();
        InventoryImportResult result = await InventoryImporter.ImportAsync(database, file, dir, InventoryFileFormat.Auto, encoding, 100, writer, CancellationToken.None);
        return (result, writer, database);
    }

    private static string[] Reports(RecordingWriter writer) => writer.Errors.Select(e => e.Exception.Message).ToArray();

    private static async Task<T> Scalar<T>(InventoryDatabase database, string sql)
    {
        await using NpgsqlConnection connection = await database.DataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<string[]> Paths(InventoryDatabase database)
    {
        await using NpgsqlConnection connection = await database.DataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT file_path FROM file_records ORDER BY file_path COLLATE \"C\"", connection);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        var paths = new List<string>();
        while (await reader.ReadAsync())
        {
            paths.Add(reader.GetString(0));
        }

        return [.. paths];
    }

    [SkippableFact]
    public async Task A_bad_row_the_caller_makes_terminating_leaves_the_inventory_untouched()
    {
        string file = Csv("stop.csv", Text("path,size,modified"), Text("a.txt,1,2025-01-01T00:00:00Z"), Text("b.txt,oops,2025-01-01T00:00:00Z"), Text("c.txt,3,2025-01-01T00:00:00Z"));
        var database = InventoryDatabase.Open(PostgresCluster.Shared.CreateDatabase(), null);
        var writer = new RecordingWriter { StopAtFirstError = true };

        // The error is handled (made terminating) only after the rows were loaded: the commit waits for it.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => InventoryImporter.ImportAsync(database, file, dir, InventoryFileFormat.Auto, null, 100, writer, CancellationToken.None));

        Assert.Single(writer.Errors);
        Assert.Empty(await Paths(database));
    }

    [SkippableFact]
    public async Task A_row_that_is_not_utf8_is_an_error_at_its_line_unless_an_encoding_is_given()
    {
        byte[] latin1Cafe = [.. "caf"u8, 0xE9, .. ".txt,4,2025-01-01T00:00:00Z"u8];
        string file = Csv("latin.csv", Text("path,size,modified"), Text("a.txt,1,2025-01-01T00:00:00Z"), latin1Cafe, Text("b.txt,2,2025-01-01T00:00:00Z"));

        var (strict, writer, database) = await ImportAsync(file);

        Assert.Equal((3L, 2L, 1L), (strict.RowsRead, strict.Inserted, strict.Skipped));
        string report = Assert.Single(Reports(writer));
        Assert.StartsWith("latin.csv line 3: not valid UTF-8 (byte 0xE9", report, StringComparison.Ordinal);
        Assert.Contains("-Encoding", report, StringComparison.Ordinal);
        Assert.Equal(["a.txt", "b.txt"], await Paths(database));
        Assert.Equal(0L, await Scalar<long>(database, "SELECT count(*) FROM file_records WHERE file_path LIKE '%\uFFFD%'"));

        var (decoded, quiet, latin) = await ImportAsync(file, Encoding.Latin1);
        Assert.Empty(quiet.Errors);
        Assert.Equal(3L, decoded.Inserted);
        Assert.Equal(["a.txt", "b.txt", "café.txt"], await Paths(latin));
    }

    [SkippableFact]
    public async Task A_broken_quote_is_reported_at_its_line_and_reading_resumes_at_the_next_record()
    {
        string file = Csv("quotes.csv",
            Text("path,size,modified"),
            Text("\"multi\nline.txt\",1,2025-01-01T00:00:00Z"),       // lines 2-3: a valid record across two lines
            Text("\"never-closed.txt,2,2025-01-01T00:00:00Z"),         // line 4
            Text("c.txt,3,2025-01-01T00:00:00Z"),                       // line 5
            Text("\"d\"x.txt,4,2025-01-01T00:00:00Z"),                  // line 6
            Text("\"e, with \"\"comma\"\".txt\",5,2025-01-01T00:00:00Z"));   // line 7

        var (result, writer, database) = await ImportAsync(file);

        Assert.Equal(["c.txt", "e, with \"comma\".txt", "multi\nline.txt"], await Paths(database));
        Assert.Equal(2L, result.Skipped);
        string[] reports = Reports(writer);
        Assert.Equal(2, reports.Length);
        Assert.StartsWith("quotes.csv line 4: malformed CSV (", reports[0], StringComparison.Ordinal);
        Assert.StartsWith("quotes.csv line 6: malformed CSV (text after the closing quote", reports[1], StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_quote_left_open_to_the_end_of_the_file_costs_only_its_own_line()
    {
        string file = Csv("open.csv",
            Text("path,size,modified"),
            Text("a.txt,1,2025-01-01T00:00:00Z"),
            Text("\"b.txt,2,2025-01-01T00:00:00Z"),
            Text("c.txt,3,2025-01-01T00:00:00Z"),
            Text("d.txt,4,2025-01-01T00:00:00Z"));

        var (result, writer, database) = await ImportAsync(file);

        Assert.Equal(["a.txt", "c.txt", "d.txt"], await Paths(database));
        Assert.StartsWith("open.csv line 3: malformed CSV (a quoted field is never closed)", Assert.Single(Reports(writer)), StringComparison.Ordinal);
        Assert.Equal(1L, result.Skipped);
    }

    [SkippableFact]
    public async Task Impossible_and_skewed_times_are_refused_per_row_and_far_future_mtimes_are_kept()
    {
        string ahead = DateTime.UtcNow.AddDays(30).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
        string file = Csv("times.csv",
            Text("path,size,modified,accessed"),
            Text("ok.txt,1,2025-01-01T00:00:00Z,2025-02-01T00:00:00Z"),
            Text($"skewed.txt,1,2025-01-01T00:00:00Z,{ahead}"),
            Text("year1.txt,1,0001-01-01T00:00:00Z,"),
            Text("year1-access.txt,1,2025-01-01T00:00:00Z,0001-01-01"),
            Text("future.txt,1,2300-06-01T12:00:00Z,"));

        var (result, writer, database) = await ImportAsync(file);

        Assert.Equal(["future.txt", "ok.txt"], await Paths(database));
        string[] reports = Reports(writer);
        Assert.Equal(3, reports.Length);
        Assert.Contains(reports, r => r.StartsWith("times.csv line 3: accessed", StringComparison.Ordinal) && r.Contains("in the future", StringComparison.Ordinal));
        Assert.Contains(reports, r => r.StartsWith("times.csv line 4: modified 0001-01-01", StringComparison.Ordinal));
        Assert.Contains(reports, r => r.StartsWith("times.csv line 5: accessed 0001-01-01", StringComparison.Ordinal));
        Assert.Equal(0L, await Scalar<long>(database, "SELECT count(*) FROM file_records WHERE mod_time = '-infinity' OR last_accessed = '-infinity'"));
        Assert.Equal(new DateTime(2300, 6, 1, 12, 0, 0, DateTimeKind.Utc), await Scalar<DateTime>(database, "SELECT mod_time FROM file_records WHERE file_path = 'future.txt'"));
        Assert.Equal(long.MaxValue, await Scalar<long>(database, "SELECT mtime_ns FROM file_records WHERE file_path = 'future.txt'"));
        Assert.Equal(3L, result.Skipped);
    }

    [SkippableFact]
    public async Task A_corrupt_parquet_file_is_one_error_naming_the_file()
    {
        string file = Path.Combine(dir, "broken.parquet");
        File.WriteAllBytes(file, [.. "PAR1"u8, .. Enumerable.Range(0, 200).Select(i => (byte)(i * 7)), .. "PAR1"u8]);

        var database = InventoryDatabase.Open(PostgresCluster.Shared.CreateDatabase(), null);
        DiskToolsException e = await Assert.ThrowsAsync<DiskToolsException>(
            () => InventoryImporter.ImportAsync(database, file, dir, InventoryFileFormat.Auto, null, 100, new RecordingWriter(), CancellationToken.None));

        Assert.Equal((ErrorIds.InventoryImportSourceInvalid, ErrorKind.InvalidData, file), (e.ErrorId, e.Kind, (string)e.Target!));
        Assert.Contains(file, e.Message, StringComparison.Ordinal);
        Assert.Equal(0L, await Scalar<long>(database, "SELECT count(*) FROM file_records"));
    }

    [SkippableFact]
    public async Task The_inventory_is_analyzed_after_a_bulk_load()
    {
        string file = Path.Combine(dir, "many.csv");
        File.WriteAllLines(file, new[] { "path,size,modified" }.Concat(Enumerable.Range(0, 5000).Select(i => $"d/f{i}.dat,{i},2025-01-01T00:00:00Z")));

        var (result, _, database) = await ImportAsync(file);

        Assert.Equal(5000L, result.Inserted);
        // ANALYZE (not autovacuum) ran, and the planner now knows the table's size.
        Assert.True(await Scalar<bool>(database, "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'file_records'"));
        Assert.Equal(5000f, await Scalar<float>(database, "SELECT reltuples FROM pg_class WHERE relname = 'file_records'"));
    }
}
