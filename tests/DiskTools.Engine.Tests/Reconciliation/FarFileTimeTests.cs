using System.Collections.Concurrent;
using DiskTools.Engine.Reconciliation;
using DiskTools.Engine.Storage;
using DiskTools.TestFixtures;
using Npgsql;
using Xunit;

namespace DiskTools.Engine.Tests.Reconciliation;

/// <summary>
/// Modification times outside what 64-bit nanoseconds hold (past 2262-04-11, before 1677-09-21), which btrfs,
/// ext4 and tmpfs store: a pass records and shows them exactly to the microsecond, and change detection still
/// tells an unchanged such file from a touched one.
/// </summary>
public sealed class FarFileTimeTests : IClassFixture<PostgresDatabase>
{
    private static readonly DateTime Year2300 = new DateTime(2300, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(1_234_560); // .123456
    private static readonly DateTime Year1600 = new DateTime(1600, 6, 1, 12, 0, 0, DateTimeKind.Utc).AddTicks(9_876_540); // .987654
    private static readonly DateTime Year2400 = new DateTime(2400, 2, 29, 23, 59, 59, DateTimeKind.Utc).AddTicks(5_000_010); // .500001

    private readonly PostgresDatabase database;

    public FarFileTimeTests(PostgresDatabase database) => this.database = database;

    private InventoryDatabase Db => Inventory.Open(database.ConnectionString);

    /// <summary>tmpfs keeps times before 1970 (and far past 2262); the disk under /tmp may not.</summary>
    private static string? Parent => Directory.Exists("/dev/shm") ? "/dev/shm" : null;

    private async Task<ReconciliationOperation> Pass(string root, RecordingWriter writer, ReconciliationOptions options)
    {
        await Task.Delay(50); // files just changed are older than the racy-timestamp window
        return await Reconciler.RunPassAsync(Db, root, options, writer, CancellationToken.None);
    }

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Times_past_2262_and_before_1677_are_stored_exactly_and_change_detection_still_works(bool hash)
    {
        Inventory.Require();
        using var tree = new ScratchTree(Parent);
        tree.Write("far.txt", "far future");
        tree.Write("old.txt", "far past");
        tree.Write("now.txt", "today");
        Touch(tree["far.txt"], "2300-01-01 00:00:00.123456789 UTC");
        Touch(tree["old.txt"], "1600-06-01 12:00:00.987654321 UTC");
        Skip.IfNot(File.GetLastWriteTimeUtc(tree["far.txt"]).Year == 2300, "the file system under the scratch tree does not keep times past 2262");
        bool past = File.GetLastWriteTimeUtc(tree["old.txt"]).Year == 1600; // ext4 stops at 1901, tmpfs and btrfs do not
        var options = new ReconciliationOptions { Hash = hash };
        var writer = new RecordingWriter();

        ReconciliationOperation first = await Pass(tree.Root, writer, options);
        Assert.True(first.Status == "completed", first.ErrorMessage);
        Assert.Equal((3, 3), (first.FilesScanned, first.FilesAdded));
        var stored = Stored(tree.Root);
        Assert.Equal((Year2300, long.MaxValue), stored["far.txt"]);
        if (past)
        {
            Assert.Equal((Year1600, long.MinValue), stored["old.txt"]);
        }

        DateTime now = File.GetLastWriteTimeUtc(tree["now.txt"]);
        Assert.Equal(now.AddTicks(-(now.Ticks % 10)), stored["now.txt"].ModTime);
        Assert.Equal((now - DateTime.UnixEpoch).Ticks * 100, stored["now.txt"].ModifiedNs - (stored["now.txt"].ModifiedNs % 100));

        // What Get-FileRecord shows.
        var shown = new List<FileRecord>();
        await InventoryQueries.GetFileRecordsAsync(Db, tree.Root, null, null, shown.Add, CancellationToken.None);
        Assert.Equal(new DateTimeOffset(Year2300), shown.Single(r => r.FilePath == "far.txt").ModTime);
        if (past)
        {
            Assert.Equal(new DateTimeOffset(Year1600), shown.Single(r => r.FilePath == "old.txt").ModTime);
        }

        // Unchanged: nothing is updated and no row is rewritten.
        var before = Inventory.Records(database.ConnectionString, tree.Root);
        ReconciliationOperation second = await Pass(tree.Root, writer, options);
        Assert.Equal(("completed", 3, 0, 0, 0), (second.Status, second.FilesScanned, second.FilesAdded, second.FilesUpdated, second.FilesRemoved));
        Assert.Equal(before, Inventory.Records(database.ConnectionString, tree.Root));

        // Touched to another time past 2262: an update, with the new time.
        Touch(tree["far.txt"], "2400-02-29 23:59:59.500001999 UTC");
        ReconciliationOperation third = await Pass(tree.Root, writer, options);
        Assert.Equal(("completed", 0, 1, 0), (third.Status, third.FilesAdded, third.FilesUpdated, third.FilesRemoved));
        Assert.Equal((Year2400, long.MaxValue), Stored(tree.Root)["far.txt"]);
        Assert.Empty(writer.Errors);
    }

    [SkippableFact]
    public async Task An_imported_baseline_past_2262_is_adopted_only_when_its_time_matches()
    {
        Inventory.Require();
        using var tree = new ScratchTree(Parent);
        tree.Write("same.txt", "same");
        tree.Write("other.txt", "other");
        Touch(tree["same.txt"], "2300-01-01 00:00:00.123456789 UTC");
        Touch(tree["other.txt"], "2350-01-01 00:00:00 UTC");
        Skip.IfNot(File.GetLastWriteTimeUtc(tree["same.txt"]).Year == 2300, "the file system under the scratch tree does not keep times past 2262");
        await Task.Delay(TimeSpan.FromSeconds(1.1));

        // Both say 2300 in the baseline; mtime_ns cannot tell 2300 from 2350, mod_time can.
        string csv = tree.Root + "-import.csv";
        File.WriteAllLines(csv, ["path,size,mtime", "same.txt,4,2300-01-01T00:00:00.123456Z", "other.txt,5,2300-01-01T00:00:00.123456Z"]);
        try
        {
            var writer = new RecordingWriter();
            await DiskTools.Engine.InventoryImport.InventoryImporter.ImportAsync(Db, csv, tree.Root, default, 10, writer, CancellationToken.None);
            var hashed = new ConcurrentBag<string>();
            ReconciliationOperation pass = await Pass(tree.Root, writer, new ReconciliationOptions { WhileHashing = hashed.Add });
            Assert.True(pass.Status == "completed", pass.ErrorMessage);
            Assert.Equal([tree["other.txt"]], hashed); // same.txt adopted without reading, other.txt's baseline is out of date
            Assert.Equal((0, 1), (pass.FilesAdded, pass.FilesUpdated));
            Assert.Equal(new DateTime(2350, 1, 1, 0, 0, 0, DateTimeKind.Utc), Stored(tree.Root)["other.txt"].ModTime);
            Assert.Empty(writer.Errors);
        }
        finally
        {
            File.Delete(csv);
        }
    }

    /// <summary>path → (mod_time, mtime_ns) as file_records holds them.</summary>
    private Dictionary<string, (DateTime ModTime, long ModifiedNs)> Stored(string root)
    {
        using NpgsqlConnection connection = database.Open();
        using var command = new NpgsqlCommand("""
            SELECT f.file_path, f.mod_time, f.mtime_ns FROM file_records f
            JOIN repositories r ON r.id = f.repository_id WHERE r.root_path = $1
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = root });
        using NpgsqlDataReader reader = command.ExecuteReader();
        var map = new Dictionary<string, (DateTime, long)>(StringComparer.Ordinal);
        while (reader.Read())
        {
            map[reader.GetString(0)] = (reader.GetDateTime(1), reader.GetInt64(2));
        }

        return map;
    }

    /// <summary>Sets a file's modification time to the nanosecond (GNU touch -d).</summary>
    private static void Touch(string path, string when)
    {
        using var touch = System.Diagnostics.Process.Start("touch", ["-m", "-d", when, path]);
        touch.WaitForExit();
        Assert.Equal(0, touch.ExitCode);
    }
}
