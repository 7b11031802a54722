using Xunit;
using System.Text;
using DiskTools.Engine.Traversal;
using DiskTools.TestFixtures;

namespace DiskTools.Engine.Tests.Traversal;

public sealed class TreeWalkerTests
{
    public static TheoryData<WalkStrategy, int> Strategies => new()
    {
        { WalkStrategy.Parallel, 1 },
        { WalkStrategy.Parallel, 4 },
        { WalkStrategy.Sequential, 1 },
    };

    private static RecordingObserver Walk(string root, WalkStrategy strategy, int threads, RecordingObserver? observer = null, bool oneFileSystem = false, CancellationToken token = default)
    {
        observer ??= new RecordingObserver();
        TreeWalker.WalkAsync(root, new WalkOptions { Strategy = strategy, Parallelism = threads, OneFileSystem = oneFileSystem }, observer, token)
            .WaitAsync(TimeSpan.FromMinutes(2)).GetAwaiter().GetResult();
        return observer;
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void ReportsEveryDirectoryOnceWithItsEntriesAndParentFirst(WalkStrategy strategy, int threads)
    {
        using var tree = new TempTree();
        for (int i = 0; i < 20; i++)
        {
            tree.File($"a/b{i}/c/file{i}", 100 * i);
            tree.Dir($"a/b{i}/empty");
        }

        tree.File("top.txt", 5000);
        tree.Sh("ln -s a link-to-a && mkfifo fifo && ln top.txt hard.txt");

        RecordingObserver seen = Walk(tree.Root, strategy, threads);

        Assert.Equal(1 + 1 + 20 * 3, seen.Directories.Count);
        Assert.Empty(seen.Errors);
        RecordingObserver.Visit root = seen.Directories[string.Empty];
        Assert.Equal(0, root.Depth);
        Assert.Null(root.Parent);
        Assert.Equal(tree.Root, root.FullPath);
        var names = root.Entries.ToDictionary(e => Encoding.UTF8.GetString(e.Name));
        Assert.Equal(["a", "fifo", "hard.txt", "link-to-a", "top.txt"], names.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(EntryKind.Symlink, names["link-to-a"].Stat.Kind);
        Assert.False(names["link-to-a"].Visit);
        Assert.Equal(EntryKind.Other, names["fifo"].Stat.Kind);
        Assert.Equal(EntryKind.Directory, names["a"].Stat.Kind);
        Assert.True(names["a"].Visit);
        Assert.Equal(5000, names["top.txt"].Stat.Size);
        Assert.Equal(2u, names["top.txt"].Stat.LinkCount);
        Assert.Equal(names["top.txt"].Stat.Inode, names["hard.txt"].Stat.Inode);
        Assert.True(names["top.txt"].Stat.AllocatedBytes >= 4096);
        string[] expected = TempTree.Run("/usr/bin/stat", "-c", "%d %i %h %b %f", Path.Combine(tree.Root, "top.txt")).Trim().Split(' ');
        Assert.Equal(ulong.Parse(expected[0]), names["top.txt"].Stat.Device);
        Assert.Equal(ulong.Parse(expected[1]), names["top.txt"].Stat.Inode);
        Assert.Equal(long.Parse(expected[3]) * 512, names["top.txt"].Stat.AllocatedBytes);
        Assert.Equal(Convert.ToUInt32(expected[4], 16), names["top.txt"].Stat.Mode);

        foreach (RecordingObserver.Visit visit in seen.Directories.Values.Where(v => v.Path.Length > 0))
        {
            string expectedParent = visit.Path.Contains('/') ? visit.Path[..visit.Path.LastIndexOf('/')] : string.Empty;
            Assert.Equal(expectedParent, visit.Parent);
            Assert.Equal(visit.Path.Count(c => c == '/') + 1, visit.Depth);
            Assert.True(visit.Complete);
        }

        Assert.Equal(1100, seen.Directories["a/b11/c"].Entries.Single().Stat.Size);
        var lstat = new FileInfo(Path.Combine(tree.Root, "a/b11/c/file11"));
        Assert.Equal(lstat.LastWriteTimeUtc, DateTime.UnixEpoch.AddTicks(seen.Directories["a/b11/c"].Entries.Single().Stat.ModifiedNs / 100));
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void KeepsNamesThatAreNotUtf8AsExactBytes(WalkStrategy strategy, int threads)
    {
        using var tree = new TempTree();
        tree.Sh("mkdir $'bad\\xff\\xfedir' && head -c 3000 /dev/zero > $'bad\\xff\\xfedir/f\\xe9' && touch $'x\\x80' && touch 'x?'");

        RecordingObserver seen = Walk(tree.Root, strategy, threads);

        Assert.Empty(seen.Errors);
        var root = seen.Directories[string.Empty];
        Assert.Contains(root.Entries, e => e.Name.SequenceEqual(new byte[] { (byte)'x', 0x80 }));
        Assert.Contains(root.Entries, e => e.Name.SequenceEqual("x?"u8.ToArray()));
        Assert.Equal(3, root.Entries.Count);
        var bad = seen.Directories["bad\\xFF\\xFEdir"];
        Assert.Equal(Path.Combine(tree.Root, "bad\\xFF\\xFEdir"), bad.FullPath);
        var file = Assert.Single(bad.Entries);
        Assert.Equal(new byte[] { (byte)'f', 0xE9 }, file.Name);
        Assert.Equal(3000, file.Stat.Size);
    }

    [Fact]
    public void WalksTenThousandLevelsWithoutRecursionAndWithFewDescriptors()
    {
        using var tree = new TempTree();

        // Built with relative mkdir steps: the full path is far longer than PATH_MAX.
        tree.DeepChain(10000, "leaf");

        var observer = new RecordingObserver { SampleDescriptors = true };
        RecordingObserver seen = Walk(tree.Root, WalkStrategy.Parallel, 2, observer);

        Assert.Empty(seen.Errors);
        Assert.Equal(10001, seen.Directories.Count);
        RecordingObserver.Visit deepest = seen.Directories.Values.MaxBy(v => v.Depth)!;
        Assert.Equal(10000, deepest.Depth);
        Assert.Equal("leaf", Encoding.UTF8.GetString(Assert.Single(deepest.Entries).Name));
        Assert.InRange(observer.MaxOpenDescriptors, 1, 900);
    }

    [Fact]
    public void SequentialReportsPathsBeyondPathMaxInsteadOfFailing()
    {
        using var tree = new TempTree();
        tree.DeepChain(2500);

        RecordingObserver seen = Walk(tree.Root, WalkStrategy.Sequential, 1);

        Assert.Contains(seen.Errors, e => e.ErrorCode == "ENAMETOOLONG");
        Assert.Contains(seen.Directories.Values, v => !v.Complete);
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void ReportsADirectoryDeletedWhileTheWalkRunsAndGoesOn(WalkStrategy strategy, int threads)
    {
        using var tree = new TempTree();
        tree.File("doomed/inner/file", 10);
        tree.File("kept/file", 10);
        var observer = new RecordingObserver
        {
            During = d =>
            {
                if (d.Depth == 0)
                {
                    Directory.Delete(Path.Combine(tree.Root, "doomed"), recursive: true);
                }
            },
        };

        RecordingObserver seen = Walk(tree.Root, strategy, threads, observer);

        WalkError error = Assert.Single(seen.Errors);
        Assert.Equal("ENOENT", error.ErrorCode);
        Assert.Equal(Path.Combine(tree.Root, "doomed"), error.Path);
        Assert.Equal(WalkErrorSeverity.Warning, error.Severity);
        Assert.False(seen.Directories["doomed"].Complete);
        Assert.True(seen.Directories["kept"].Complete);
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void NeverFollowsSymlinksEvenInLoops(WalkStrategy strategy, int threads)
    {
        using var tree = new TempTree();
        tree.Dir("a/b");
        tree.Sh("ln -s .. a/b/up && ln -s loop1 loop2 && ln -s loop2 loop1 && ln -s / a/rootlink");

        RecordingObserver seen = Walk(tree.Root, strategy, threads);

        Assert.Empty(seen.Errors);
        Assert.Equal(["", "a", "a/b"], seen.Directories.Keys.Order(StringComparer.Ordinal));
        Assert.All(seen.Directories["a/b"].Entries, e => Assert.Equal(EntryKind.Symlink, e.Stat.Kind));
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void ASymlinkRootIsReportedAsItselfNotFollowed(WalkStrategy strategy, int threads)
    {
        using var tree = new TempTree();
        tree.File("real/file", 10);
        tree.Sh("ln -s real link");

        RecordingObserver seen = Walk(Path.Combine(tree.Root, "link"), strategy, threads);

        var only = Assert.Single(seen.Directories.Values);
        Assert.Equal(EntryKind.Symlink, only.Stat.Kind);
        Assert.Empty(only.Entries);
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void AMissingRootThrowsWithTheErrno(WalkStrategy strategy, int threads)
    {
        using var tree = new TempTree();
        var error = Assert.Throws<WalkRootException>(() => Walk(Path.Combine(tree.Root, "nope"), strategy, threads));
        Assert.Equal("ENOENT", error.ErrorCode);
        Assert.Equal("PathNotFound", error.ErrorId);
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public async Task CancellationEndsTheWalkAsCancelled(WalkStrategy strategy, int threads)
    {
        using var tree = new TempTree();
        for (int i = 0; i < 200; i++)
        {
            tree.Dir($"d{i}/e");
        }

        using var cts = new CancellationTokenSource();
        var observer = new RecordingObserver { During = d => { if (d.Depth == 1) { cts.Cancel(); } } };
        Task walk = TreeWalker.WalkAsync(tree.Root, new WalkOptions { Strategy = strategy, Parallelism = threads }, observer, cts.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => walk.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(observer.Directories.Count < 401);
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public async Task ExclusionLeavesEntriesOutEntirely(WalkStrategy strategy, int threads)
    {
        using var tree = new TempTree();
        tree.File("keep/a", 1);
        tree.File("skip/b", 1);
        tree.File("keep/skip", 1);
        var observer = new RecordingObserver();
        await TreeWalker.WalkAsync(
            tree.Root,
            new WalkOptions { Strategy = strategy, Parallelism = threads, Exclude = (parent, name, kind) => name.SequenceEqual("skip"u8) },
            observer,
            default);

        Assert.Equal(["", "keep"], observer.Directories.Keys.Order(StringComparer.Ordinal));
        Assert.Single(observer.Directories["keep"].Entries);
    }

    [SkippableTheory]
    [InlineData(WalkStrategy.Parallel)]
    [InlineData(WalkStrategy.Sequential)]
    public void OneFileSystemListsButDoesNotEnterAnotherMount(WalkStrategy strategy)
    {
        Prerequisite.Require(Prerequisite.IsRoot, "mounting a tmpfs needs root");
        using var tree = new TempTree();
        string mount = tree.Dir("mnt");
        tree.File("own/file", 10);
        TempTree.Run("/bin/mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mount);
        try
        {
            System.IO.File.WriteAllText(Path.Combine(mount, "inside"), "x");
            RecordingObserver seen = Walk(tree.Root, strategy, 2, oneFileSystem: true);
            Assert.Equal(["", "own"], seen.Directories.Keys.Order(StringComparer.Ordinal));
            var mnt = seen.Directories[string.Empty].Entries.Single(e => e.Name.SequenceEqual("mnt"u8));
            Assert.False(mnt.Visit);
            Assert.NotEqual(seen.Directories[string.Empty].Stat.Device, mnt.Stat.Device);

            RecordingObserver crossing = Walk(tree.Root, strategy, 2);
            Assert.Contains("mnt", crossing.Directories.Keys);
        }
        finally
        {
            TempTree.Run("/bin/umount", mount);
        }
    }
}
