using System.Text;
using DiskTools.Engine.Output;
using DiskTools.Engine.Reconciliation;
using DiskTools.Engine.Storage;
using DiskTools.TestFixtures;
using Xunit;

namespace DiskTools.Engine.Tests.Reconciliation;

public sealed class ReconciliationPassTests : IClassFixture<PostgresDatabase>
{
    private readonly PostgresDatabase database;

    public ReconciliationPassTests(PostgresDatabase database) => this.database = database;

    private InventoryDatabase Db => Inventory.Open(database.ConnectionString);

    private async Task<ReconciliationOperation> Pass(string root, RecordingWriter writer, ReconciliationOptions? options = null)
    {
        // A file whose ctime falls within 10 ms of its hash starting is deferred on purpose (the racy-timestamp
        // rule); files a test has just written must be older than that, or the pass rightly skips them.
        await Task.Delay(50);
        return await Reconciler.RunPassAsync(Db, root, options ?? new ReconciliationOptions(), writer, CancellationToken.None);
    }

    [SkippableFact]
    public async Task First_pass_adds_every_file_and_an_unchanged_second_pass_rewrites_nothing()
    {
        Inventory.Require();
        using var tree = new ScratchTree();
        for (int i = 0; i < 30; i++)
        {
            tree.Write($"d{i % 3}/f{i}.txt", $"content {i}");
        }

        var writer = new RecordingWriter();
        ReconciliationOperation first = await Pass(tree.Root, writer, new ReconciliationOptions { BatchSize = 7 });
        Assert.Equal(("completed", 30, 30, 0, 0), (first.Status, first.FilesScanned, first.FilesAdded, first.FilesUpdated, first.FilesRemoved));
        var before = Inventory.Records(database.ConnectionString, tree.Root);
        Assert.Equal(Inventory.Sha256(tree["d1/f4.txt"]), before["d1/f4.txt"].Hash);

        ReconciliationOperation second = await Pass(tree.Root, writer);
        Assert.Equal(("completed", 30, 0, 0, 0), (second.Status, second.FilesScanned, second.FilesAdded, second.FilesUpdated, second.FilesRemoved));
        // Same xmin on every row: the unchanged pass wrote no new row versions at all.
        Assert.Equal(before, Inventory.Records(database.ConnectionString, tree.Root));
        Assert.True(second.Id > first.Id);
        Assert.Empty(writer.Errors);
    }

    [SkippableFact]
    public async Task Changes_are_found_by_inequality_including_restored_older_mtimes_same_size_rewrites_and_renames()
    {
        Inventory.Require();
        using var tree = new ScratchTree();
        string older = tree.Write("older.txt", "version one");
        string sameSize = tree.Write("same.txt", "AAAA");
        tree.Write("old-name.txt", "renamed content");
        tree.Write("gone.txt", "bye");
        tree.Write("stays.txt", "stay");

        // Let timestamps age before each pass: files changed inside the racy-timestamp window are rightly
        // deferred to a later pass, and this test is about what each pass finds, not about that window.
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        var writer = new RecordingWriter();
        await Pass(tree.Root, writer);

        File.WriteAllText(older, "version two");
        File.SetLastWriteTimeUtc(older, new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc)); // restored from a backup: back in time
        DateTime sameMtime = File.GetLastWriteTimeUtc(sameSize);
        File.WriteAllText(sameSize, "BBBB");
        File.SetLastWriteTimeUtc(sameSize, sameMtime); // same size, same mtime: only ctime tells
        File.Move(tree["old-name.txt"], tree["new-name.txt"]);
        File.Delete(tree["gone.txt"]);
        await Task.Delay(TimeSpan.FromSeconds(1.1));

        ReconciliationOperation pass = await Pass(tree.Root, writer);
        // The rename is a move (same inode, size and mtime), not a removal plus an addition.
        Assert.Equal((0, 2, 1, 1), (pass.FilesAdded, pass.FilesUpdated, pass.FilesRemoved, pass.FilesMoved));
        var records = Inventory.Records(database.ConnectionString, tree.Root);
        Assert.Equal(["new-name.txt", "older.txt", "same.txt", "stays.txt"], records.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Inventory.Sha256(older), records["older.txt"].Hash);
        Assert.Equal(Inventory.Sha256(sameSize), records["same.txt"].Hash);
    }

    [SkippableFact]
    public async Task A_file_changing_while_it_is_hashed_is_deferred_not_recorded_with_a_wrong_hash()
    {
        Inventory.Require();
        using var tree = new ScratchTree();
        string moving = tree.Write("moving.bin", new string('x', 200_000));
        tree.Write("still.txt", "still");
        var writer = new RecordingWriter();
        int touched = 0;
        var options = new ReconciliationOptions
        {
            WhileHashing = path =>
            {
                if (path == moving && Interlocked.Exchange(ref touched, 1) == 0)
                {
                    File.AppendAllText(path, "more");
                }
            },
        };

        ReconciliationOperation pass = await Pass(tree.Root, writer, options);
        Assert.Equal((1, 1), (pass.FilesAdded, pass.FilesDeferred));
        Assert.False(Inventory.Records(database.ConnectionString, tree.Root).ContainsKey("moving.bin"));

        ReconciliationOperation retry = await Pass(tree.Root, writer);
        Assert.Equal((1, 0), (retry.FilesAdded, retry.FilesDeferred));
        Assert.Equal(Inventory.Sha256(moving), Inventory.Records(database.ConnectionString, tree.Root)["moving.bin"].Hash);
    }

    [SkippableFact]
    public async Task Default_ignore_rules_and_exclude_globs_leave_files_out()
    {
        Inventory.Require();
        using var tree = new ScratchTree();
        foreach (string p in new[] { ".lumilio/a.txt", "inbox/b.txt", ".hidden", "dir/.git/config", "notes.txt~", "x.tmp", "y.TEMP", "Thumbs.db", "sub/inbox/kept.txt", "keep/a.jpg", "keep/a.part", "cache/deep/c.txt" })
        {
            tree.Write(p, "x");
        }

        var writer = new RecordingWriter();
        await Pass(tree.Root, writer, new ReconciliationOptions { Exclude = ["*.part", "cache/**"], Hash = false });
        Assert.Equal(["keep/a.jpg", "sub/inbox/kept.txt"], Inventory.Records(database.ConnectionString, tree.Root).Keys.Order(StringComparer.Ordinal));
    }

    [SkippableFact]
    public async Task Names_that_are_not_UTF8_are_reported_and_very_long_paths_are_stored()
    {
        Inventory.Require();
        using var tree = new ScratchTree();
        byte[] badName = [.. Encoding.UTF8.GetBytes(tree.Root + "/bad"), 0xFF, (byte)'.', (byte)'t'];
        Assert.True(Native.CreateFile(badName));
        string deep = string.Join('/', Enumerable.Range(0, 24).Select(i => new string((char)('a' + (i % 26)), 200)));
        Assert.True(deep.Length > 4096);
        Native.CreateDeepFile(tree.Root, deep.Split('/'), "leaf.txt");

        var writer = new RecordingWriter();
        ReconciliationOperation pass = await Pass(tree.Root, writer);
        Assert.Equal(1, pass.FilesAdded);
        Assert.DoesNotContain(writer.Errors, e => e.ErrorId != "InventoryPathNotUtf8");
        OperationError error = Assert.Single(writer.Errors);
        Assert.Equal("InventoryPathNotUtf8", error.ErrorId);
        Assert.Equal(ErrorKind.InvalidData, error.Kind);
        Assert.Equal(tree.Root + "/bad\\xFF.t", error.Target);
        Assert.Equal(deep + "/leaf.txt", Assert.Single(Inventory.Records(database.ConnectionString, tree.Root).Keys));
        Assert.Equal(0, (await Pass(tree.Root, writer)).FilesUpdated);
    }

    [SkippableFact]
    public async Task A_second_pass_on_the_same_root_fails_clearly_or_waits()
    {
        Inventory.Require();
        using var tree = new ScratchTree();
        for (int i = 0; i < 10; i++)
        {
            tree.Write($"f{i}", "x");
        }

        using var inside = new SemaphoreSlim(0);
        using var release = new SemaphoreSlim(0);
        var blocking = new ReconciliationOptions
        {
            BatchSize = 5,
            Hash = false,
            AfterBatchCommitted = async (n, token) =>
            {
                if (n == 1)
                {
                    inside.Release();
                    await release.WaitAsync(token);
                }
            },
        };
        var writer = new RecordingWriter();
        Task<ReconciliationOperation> first = Pass(tree.Root, writer, blocking);
        Assert.True(await inside.WaitAsync(TimeSpan.FromSeconds(60)));

        var busy = await Assert.ThrowsAsync<DiskToolsException>(() => Pass(tree.Root, writer));
        Assert.Equal("ReconciliationInProgress", busy.ErrorId);
        Assert.Equal(ErrorKind.ResourceUnavailable, busy.Kind);

        Task<ReconciliationOperation> waiting = Pass(tree.Root, writer, new ReconciliationOptions { Wait = true });
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);
        release.Release();
        Assert.Equal("completed", (await first).Status);
        Assert.Equal(("completed", 0), ((await waiting).Status, (await waiting).FilesAdded));
    }
}

/// <summary>What .NET's file APIs cannot do: byte names and paths longer than PATH_MAX.</summary>
internal static unsafe partial class Native
{
    public static bool CreateFile(byte[] path)
    {
        fixed (byte* p = (byte[])[.. path, 0])
        {
            int fd = Open(p, 0x41 /* O_WRONLY|O_CREAT */, 0x1A4);
            return fd >= 0 && Close(fd) == 0;
        }
    }

    /// <summary>Creates dirs one level at a time relative to the previous one, so the total may exceed PATH_MAX.</summary>
    public static void CreateDeepFile(string root, string[] directories, string fileName)
    {
        int fd = OpenAt(-100, Z(root), 0x10000 /* O_DIRECTORY */, 0);
        foreach (string d in directories)
        {
            if (MkdirAt(fd, Z(d), 0x1ED) != 0)
            {
                throw new InvalidOperationException("mkdirat failed");
            }

            int next = OpenAt(fd, Z(d), 0x10000, 0);
            Close(fd);
            fd = next;
        }

        int file = OpenAt(fd, Z(fileName), 0x41, 0x1A4);
        Close(file);
        Close(fd);
    }

    private static byte[] Z(string s) => [.. Encoding.UTF8.GetBytes(s), 0];

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "openat")]
    private static partial int OpenAt(int dirfd, byte[] path, int flags, int mode);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "mkdirat")]
    private static partial int MkdirAt(int dirfd, byte[] path, int mode);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "open")]
    private static partial int Open(byte* path, int flags, int mode);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
