using DiskTools.Engine.Output;
using System.Collections.Concurrent;
using DiskTools.Engine.Reconciliation;
using DiskTools.Engine.Storage;
using DiskTools.TestFixtures;
using Npgsql;
using Xunit;

namespace DiskTools.Engine.Tests.Reconciliation;

/// <summary>What a pass must never lose: records of a root that only looks empty, moved files' history, tier states.</summary>
public sealed class InventoryHistoryTests : IClassFixture<PostgresDatabase>
{
    private readonly PostgresDatabase database;

    public InventoryHistoryTests(PostgresDatabase database) => this.database = database;

    private InventoryDatabase Db => Inventory.Open(database.ConnectionString);

    private async Task<ReconciliationOperation> Pass(string root, RecordingWriter writer, ReconciliationOptions? options = null)
    {
        await Task.Delay(50); // files just written are older than the racy-timestamp window
        return await Reconciler.RunPassAsync(Db, root, options ?? new ReconciliationOptions(), writer, CancellationToken.None);
    }

    private static ScratchTree TreeOf(int files)
    {
        var tree = new ScratchTree();
        for (int i = 0; i < files; i++)
        {
            tree.Write($"d{i % 4}/f{i:D3}.txt", $"content {i}");
        }

        return tree;
    }

    private object? Scalar(string sql, params object[] parameters)
    {
        using NpgsqlConnection connection = database.Open();
        using var command = new NpgsqlCommand(sql, connection);
        foreach (object p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = p });
        }

        return command.ExecuteScalar();
    }

    /// <summary>(id, hash, created_at, access_count, last_accessed, tier_state, absent_since) of one record.</summary>
    private (long Id, string? Hash, DateTime Created, long Count, DateTime? Accessed, string Tier, DateTime? AbsentSince)? Record(string root, string path)
    {
        using NpgsqlConnection connection = database.Open();
        using var command = new NpgsqlCommand("""
            SELECT f.id, f.content_hash, f.created_at, f.access_count, f.last_accessed, f.tier_state::text, f.absent_since
            FROM file_records f JOIN repositories r ON r.id = f.repository_id WHERE r.root_path = $1 AND f.file_path = $2
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = root });
        command.Parameters.Add(new NpgsqlParameter { Value = path });
        using NpgsqlDataReader reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        return (reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetDateTime(2), reader.GetInt64(3),
            reader.IsDBNull(4) ? null : reader.GetDateTime(4), reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetDateTime(6));
    }

    private void SetHistory(string root, string path, string tier, long count)
        => Scalar("""
            UPDATE file_records f SET tier_state = $3::file_tier_state, access_count = $4,
                   last_accessed = CASE WHEN $4 > 0 THEN timestamptz '2026-01-02 03:04:05+00' END
            FROM repositories r WHERE r.id = f.repository_id AND r.root_path = $1 AND f.file_path = $2
            """, root, path, tier, count);

    private int Count(string root) => Inventory.Records(database.ConnectionString, root).Count;

    [SkippableFact]
    public async Task A_root_that_vanished_fails_with_its_own_error_and_deletes_nothing()
    {
        Inventory.Require();
        using ScratchTree tree = TreeOf(12);
        var writer = new RecordingWriter();
        Assert.Equal("completed", (await Pass(tree.Root, writer)).Status);
        string aside = tree.Root + "-aside";
        Directory.Move(tree.Root, aside);
        try
        {
            ReconciliationOperation pass = await Pass(tree.Root, writer);
            Assert.Equal("failed", pass.Status);
            Assert.Contains("does not exist", pass.ErrorMessage);
            Assert.Equal(ErrorIds.ReconciliationRootMissing, Assert.Single(writer.Errors).ErrorId);
            Assert.Equal(12, Count(tree.Root));
        }
        finally
        {
            Directory.Move(aside, tree.Root);
        }

        Assert.Equal(("completed", 0), await Pass(tree.Root, writer) is var again ? (again.Status, again.FilesRemoved) : default);
    }

    [SkippableFact]
    public async Task A_root_swapped_for_a_symlink_to_an_empty_directory_is_refused_and_a_new_symlinked_root_is_registered_as_its_target()
    {
        Inventory.Require();
        using ScratchTree tree = TreeOf(12);
        using var empty = new ScratchTree();
        var writer = new RecordingWriter();
        await Pass(tree.Root, writer);
        string aside = tree.Root + "-aside";
        Directory.Move(tree.Root, aside);
        File.CreateSymbolicLink(tree.Root, empty.Root);
        try
        {
            ReconciliationOperation pass = await Pass(tree.Root, writer);
            Assert.Equal("failed", pass.Status);
            OperationErrorAssert(writer, ErrorIds.ReconciliationRootIsSymlink, empty.Root);
            Assert.Equal(12, Count(tree.Root));
        }
        finally
        {
            File.Delete(tree.Root);
            Directory.Move(aside, tree.Root);
        }

        // A root never seen before that is a symlink is registered as the directory it leads to, and said so.
        string link = tree.Root + "-link";
        File.CreateSymbolicLink(link, tree.Root);
        try
        {
            var fresh = new RecordingWriter();
            using var other = TreeOf(3);
            File.Delete(link);
            File.CreateSymbolicLink(link, other.Root);
            ReconciliationOperation viaLink = await Pass(link, fresh);
            Assert.Equal(("completed", other.Root, 3), (viaLink.Status, viaLink.RootPath, viaLink.FilesAdded));
            Assert.Contains(fresh.Warnings, w => w.Contains("symbolic link", StringComparison.Ordinal) && w.Contains(other.Root, StringComparison.Ordinal));
            Assert.Equal(0L, Scalar("SELECT count(*) FROM repositories WHERE root_path = $1", link));
        }
        finally
        {
            File.Delete(link);
        }
    }

    private static void OperationErrorAssert(RecordingWriter writer, string id, string mentions)
    {
        var error = Assert.Single(writer.Errors, e => e.ErrorId == id);
        Assert.Contains(mentions, error.Exception.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_root_on_another_file_system_than_last_time_is_refused_unless_forced()
    {
        Inventory.Require();
        using LoopFileSystem disk = LoopFileSystem.Create();
        for (int i = 0; i < 8; i++)
        {
            File.WriteAllText(Path.Combine(disk.MountPoint, $"f{i}"), $"c{i}");
        }

        var writer = new RecordingWriter();
        Assert.Equal(("completed", 8), await Pass(disk.MountPoint, writer) is var first ? (first.Status, first.FilesAdded) : default);

        // Unplugged: the mount point is an ordinary directory of the enclosing file system; put a file in it
        // so that only the file system identity can tell.
        disk.Unmount();
        File.WriteAllText(Path.Combine(disk.MountPoint, "stray"), "not the disk");
        ReconciliationOperation refused = await Pass(disk.MountPoint, writer);
        Assert.Equal("failed", refused.Status);
        OperationErrorAssert(writer, ErrorIds.ReconciliationRootFilesystemChanged, "another file system");
        Assert.Equal(8, Count(disk.MountPoint));

        // Plugged in again: the same file system, so the pass goes ahead and finds everything unchanged.
        File.Delete(Path.Combine(disk.MountPoint, "stray"));
        disk.Mount();
        ReconciliationOperation back = await Pass(disk.MountPoint, writer);
        Assert.Equal(("completed", 8, 0, 0, 0), (back.Status, back.FilesScanned, back.FilesAdded, back.FilesUpdated, back.FilesRemoved));

        // Unplugged again, and the admin says it is intended: -Force takes the new file system and its emptiness, saying both.
        disk.Unmount();
        var forced = new RecordingWriter();
        ReconciliationOperation taken = await Pass(disk.MountPoint, forced, new ReconciliationOptions { Force = true });
        Assert.Equal(("completed", 8), (taken.Status, taken.FilesRemoved));
        Assert.Contains(forced.Warnings, w => w.Contains("another file system", StringComparison.Ordinal));
        Assert.Contains(forced.Warnings, w => w.Contains("is empty", StringComparison.Ordinal));
        Assert.Equal(0, Count(disk.MountPoint));
    }

    [SkippableFact]
    public async Task An_emptied_root_and_a_pass_over_the_removal_threshold_stop_before_removing_unless_forced()
    {
        Inventory.Require();
        using ScratchTree tree = TreeOf(40);
        var writer = new RecordingWriter();
        await Pass(tree.Root, writer);

        // 30 of 40 (75 %) go: over the 50 % default.
        for (int i = 0; i < 30; i++)
        {
            File.Delete(tree[$"d{i % 4}/f{i:D3}.txt"]);
        }

        File.WriteAllText(tree["new.txt"], "arrived meanwhile");
        ReconciliationOperation stopped = await Pass(tree.Root, writer);
        Assert.Equal("failed", stopped.Status);
        OperationErrorAssert(writer, ErrorIds.ReconciliationRemovalThresholdExceeded, "30 of its 40");
        Assert.Equal(40, Count(tree.Root)); // nothing removed, and nothing added either: it stopped before writing
        Assert.Single(writer.Errors);

        ReconciliationOperation allowed = await Pass(tree.Root, new RecordingWriter(), new ReconciliationOptions { MaxRemovalPercent = 80 });
        Assert.Equal(("completed", 1, 30), (allowed.Status, allowed.FilesAdded, allowed.FilesRemoved));

        // Emptied completely: refused even below any threshold, then removed with -Force.
        foreach (string file in Directory.EnumerateFiles(tree.Root, "*", SearchOption.AllDirectories))
        {
            File.Delete(file);
        }

        var emptyWriter = new RecordingWriter();
        ReconciliationOperation empty = await Pass(tree.Root, emptyWriter, new ReconciliationOptions { MaxRemovalPercent = 100 });
        Assert.Equal("failed", empty.Status);
        OperationErrorAssert(emptyWriter, ErrorIds.ReconciliationRootEmpty, "11 records");
        Assert.Equal(11, Count(tree.Root));
        var forcedWriter = new RecordingWriter();
        ReconciliationOperation forced = await Pass(tree.Root, forcedWriter, new ReconciliationOptions { Force = true });
        Assert.Equal(("completed", 11), (forced.Status, forced.FilesRemoved));
        Assert.Contains(forcedWriter.Warnings, w => w.Contains("-Force", StringComparison.Ordinal));
        Assert.Equal(0, Count(tree.Root));
    }

    [SkippableFact]
    public async Task Moved_files_and_renamed_directories_keep_id_hash_created_at_access_history_and_tier_state()
    {
        Inventory.Require();
        using ScratchTree tree = TreeOf(20);
        tree.Write("film", new string('f', 5000));
        var writer = new RecordingWriter();
        await Pass(tree.Root, writer);
        SetHistory(tree.Root, "film", "stubbed", 7);
        SetHistory(tree.Root, "d1/f001.txt", "planned", 2);
        var film = Record(tree.Root, "film")!.Value;
        var inDir = Record(tree.Root, "d1/f001.txt")!.Value;
        int d1Files = Directory.GetFiles(tree["d1"]).Length;

        File.Move(tree["film"], tree["film_renamed"]);
        Directory.Move(tree["d1"], tree["d1-renamed"]);
        Directory.CreateDirectory(tree["elsewhere"]);
        File.Move(tree["d2/f002.txt"], tree["elsewhere/f002.txt"]);
        await Task.Delay(TimeSpan.FromSeconds(1.1)); // ctime of the moved files out of the racy window

        var hashed = new ConcurrentBag<string>();
        ReconciliationOperation pass = await Pass(tree.Root, writer, new ReconciliationOptions { WhileHashing = hashed.Add });
        Assert.Equal(("completed", 0, 0, 0, 1 + d1Files + 1), (pass.Status, pass.FilesAdded, pass.FilesUpdated, pass.FilesRemoved, pass.FilesMoved));
        Assert.Empty(hashed); // content identity unchanged: nothing was read again

        var movedFilm = Record(tree.Root, "film_renamed")!.Value;
        Assert.Equal(film, movedFilm);
        Assert.Equal(("stubbed", 7L), (movedFilm.Tier, movedFilm.Count));
        Assert.NotNull(movedFilm.Accessed);
        Assert.Equal(inDir, Record(tree.Root, "d1-renamed/f001.txt")!.Value);
        Assert.Null(Record(tree.Root, "film"));
        Assert.NotNull(Record(tree.Root, "elsewhere/f002.txt"));
        Assert.Equal(21, Count(tree.Root));

        ReconciliationOperation quiet = await Pass(tree.Root, writer);
        Assert.Equal((0, 0, 0, 0), (quiet.FilesAdded, quiet.FilesUpdated, quiet.FilesRemoved, quiet.FilesMoved));
        Assert.Empty(writer.Errors);
    }

    [SkippableFact]
    public async Task Records_with_a_tier_state_or_access_history_are_kept_absent_when_their_file_goes_and_come_back_with_it()
    {
        Inventory.Require();
        using ScratchTree tree = TreeOf(30);
        var writer = new RecordingWriter();
        await Pass(tree.Root, writer);
        SetHistory(tree.Root, "d0/f000.txt", "stubbed", 0);
        SetHistory(tree.Root, "d1/f001.txt", "none", 3);
        SetHistory(tree.Root, "d2/f002.txt", "deleted", 0); // what Watch-LucidAudit leaves for a deleted file
        var stubbed = Record(tree.Root, "d0/f000.txt")!.Value;
        foreach (string path in new[] { "d0/f000.txt", "d1/f001.txt", "d2/f002.txt", "d3/f003.txt" })
        {
            File.Delete(tree[path]);
        }

        ReconciliationOperation pass = await Pass(tree.Root, writer);
        Assert.Equal(("completed", 4), (pass.Status, pass.FilesRemoved));
        Assert.Null(Record(tree.Root, "d3/f003.txt")); // no history: deleted
        var kept = new[] { "d0/f000.txt", "d1/f001.txt", "d2/f002.txt" }.Select(p => Record(tree.Root, p)).ToList();
        Assert.All(kept, r => Assert.NotNull(r!.Value.AbsentSince));
        Assert.Equal(("stubbed", "none", "deleted"), (kept[0]!.Value.Tier, kept[1]!.Value.Tier, kept[2]!.Value.Tier));
        Assert.Equal(3L, kept[1]!.Value.Count);

        // A later pass neither removes them again nor moves their "since".
        ReconciliationOperation again = await Pass(tree.Root, writer);
        Assert.Equal(0, again.FilesRemoved);
        Assert.Equal(kept[0]!.Value.AbsentSince, Record(tree.Root, "d0/f000.txt")!.Value.AbsentSince);

        // The file is back: the same record, present again, history intact.
        tree.Write("d0/f000.txt", "content 0");
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        await Pass(tree.Root, writer);
        var back = Record(tree.Root, "d0/f000.txt")!.Value;
        Assert.Equal((stubbed.Id, stubbed.Tier, (DateTime?)null), (back.Id, back.Tier, back.AbsentSince));
        Assert.Empty(writer.Errors);
    }

    [SkippableFact]
    public async Task A_remount_on_another_loop_device_changes_and_rehashes_nothing()
    {
        Inventory.Require();
        using LoopFileSystem disk = LoopFileSystem.Create();
        for (int i = 0; i < 10; i++)
        {
            File.WriteAllText(Path.Combine(disk.MountPoint, $"f{i}"), new string((char)('a' + i), 1000));
        }

        await Task.Delay(TimeSpan.FromSeconds(1.1));
        var writer = new RecordingWriter();
        await Pass(disk.MountPoint, writer);
        var before = Inventory.Records(database.ConnectionString, disk.MountPoint);
        object? devBefore = Scalar("SELECT min(dev) FROM file_records f JOIN repositories r ON r.id = f.repository_id WHERE r.root_path = $1", disk.MountPoint);

        string firstLoop = disk.LoopDevice;
        disk.RemountOnAnotherLoopDevice();
        Assert.NotEqual(firstLoop, disk.LoopDevice);
        Assert.NotEqual(unchecked((ulong)(long)devBefore!), NativeStatDevice(Path.Combine(disk.MountPoint, "f0"))); // the premise: st_dev did change

        var hashed = new ConcurrentBag<string>();
        ReconciliationOperation pass = await Pass(disk.MountPoint, writer, new ReconciliationOptions { WhileHashing = hashed.Add });
        Assert.Empty(writer.Errors); // first: a failed pass says why here
        Assert.Equal(("completed", 10, 0, 0, 0), (pass.Status, pass.FilesScanned, pass.FilesAdded, pass.FilesUpdated, pass.FilesRemoved));
        Assert.Empty(hashed);
        Assert.Equal(before, Inventory.Records(database.ConnectionString, disk.MountPoint)); // not one row rewritten
    }

    private static ulong NativeStatDevice(string path) => NativeStat.DeviceOf(path);

    [SkippableFact]
    public async Task An_imported_baseline_is_adopted_without_reading_when_size_and_mtime_match()
    {
        Inventory.Require();
        using ScratchTree tree = TreeOf(6);
        string changed = tree["d1/f001.txt"];
        await Task.Delay(TimeSpan.FromSeconds(1.1));

        // A baseline as Import-FileInventory writes it: no inode, device or hash, an access time.
        string csv = Path.Combine(tree.Root + "-import.csv");
        var lines = new List<string> { "path,size,mtime,atime" };
        foreach (string file in Directory.EnumerateFiles(tree.Root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(file);
            long size = file == changed ? info.Length + 1 : info.Length; // the baseline is out of date for this one
            lines.Add($"{Path.GetRelativePath(tree.Root, file)},{size},{info.LastWriteTimeUtc:O},2026-01-01T00:00:00Z");
        }

        File.WriteAllLines(csv, lines);
        try
        {
            var writer = new RecordingWriter();
            await DiskTools.Engine.InventoryImport.InventoryImporter.ImportAsync(Db, csv, tree.Root, default, 10, writer, CancellationToken.None);
            Assert.Equal(0L, Scalar("SELECT count(*) FILTER (WHERE inode <> 0) FROM file_records f JOIN repositories r ON r.id = f.repository_id WHERE r.root_path = $1", tree.Root));

            var hashed = new ConcurrentBag<string>();
            ReconciliationOperation pass = await Pass(tree.Root, writer, new ReconciliationOptions { WhileHashing = hashed.Add });
            Assert.Equal("completed", pass.Status);
            Assert.Equal([changed], hashed); // only the file whose size differs from its baseline was read
            Assert.Equal((0, 1), (pass.FilesAdded, pass.FilesUpdated));
            Assert.Equal(0L, Scalar("SELECT count(*) FILTER (WHERE inode = 0 OR last_accessed IS NULL) FROM file_records f JOIN repositories r ON r.id = f.repository_id WHERE r.root_path = $1", tree.Root));

            hashed.Clear();
            ReconciliationOperation next = await Pass(tree.Root, writer, new ReconciliationOptions { WhileHashing = hashed.Add });
            Assert.Equal((0, 0), (next.FilesAdded, next.FilesUpdated));
            Assert.Empty(hashed); // adopted records are not read later just to fill in a hash
            Assert.Empty(writer.Errors);
        }
        finally
        {
            File.Delete(csv);
        }
    }
}
