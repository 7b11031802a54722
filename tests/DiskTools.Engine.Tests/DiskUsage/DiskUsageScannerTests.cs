using DiskTools.Engine.DiskUsage;
using DiskTools.Engine.Output;
using DiskTools.Engine.Tests.Traversal;
using DiskTools.Engine.Traversal;
using DiskTools.TestFixtures;
using Xunit;

namespace DiskTools.Engine.Tests.DiskUsage;

public sealed class DiskUsageScannerTests : IClassFixture<HardCaseTree>
{
    private readonly HardCaseTree tree;

    public DiskUsageScannerTests(HardCaseTree tree) => this.tree = tree;

    public static TheoryData<WalkStrategy, bool, bool> Variants()
    {
        var data = new TheoryData<WalkStrategy, bool, bool>();
        foreach (WalkStrategy strategy in new[] { WalkStrategy.Parallel, WalkStrategy.Sequential })
        {
            foreach (bool links in new[] { false, true })
            {
                foreach (bool oneFs in new[] { false, true })
                {
                    data.Add(strategy, links, oneFs);
                }
            }
        }

        return data;
    }

    internal static ScanSession Scan(string root, DiskUsageOptions options, RecordingWriter? writer = null)
    {
        var session = new ScanSession(root, options.Strategy);
        return DiskUsageScanner.ScanAsync(session, options, writer ?? new RecordingWriter(), CancellationToken.None)
            .WaitAsync(TimeSpan.FromMinutes(2)).GetAwaiter().GetResult();
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void MatchesGnuDuByteForByteAtDepthsZeroToThree(WalkStrategy strategy, bool countHardLinks, bool oneFileSystem)
    {
        if (oneFileSystem)
        {
            Prerequisite.Require(tree.MountPoint is not null, "-OneFileSystem needs a mount inside the tree (root, to mount tmpfs)");
        }

        for (int depth = 0; depth <= 3; depth++)
        {
            var options = new DiskUsageOptions { Strategy = strategy, Depth = depth, CountHardLinks = countHardLinks, OneFileSystem = oneFileSystem, ThrottleLimit = 3 };
            var writer = new RecordingWriter();
            ScanSession session = Scan(tree.Root, options, writer);
            var flags = new List<string> { "-d", depth.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            if (countHardLinks)
            {
                flags.Add("-l");
            }

            if (oneFileSystem)
            {
                flags.Add("-x");
            }

            Dictionary<string, long> allocated = DuReference.Run([.. flags, "-B1", tree.Root]);
            Dictionary<string, long> apparent = DuReference.Run([.. flags, "-b", tree.Root]);

            Assert.Equal(ScanStatus.Completed, session.Status);
            Assert.Empty(writer.Errors);
            Assert.Equal(allocated[tree.Root], session.TotalBytes);
            Assert.Equal(apparent[tree.Root], session.TotalApparentBytes);
            var entries = session.Entries.ToDictionary(e => e.Path, StringComparer.Ordinal);
            Assert.Equal(allocated.Keys.Order(StringComparer.Ordinal), entries.Keys.Order(StringComparer.Ordinal));
            foreach ((string path, long bytes) in allocated)
            {
                if (!countHardLinks && tree.LinkSpanned.Contains(path))
                {
                    continue;
                }

                Assert.True(bytes == entries[path].Size, $"{strategy} -d {depth} links={countHardLinks} x={oneFileSystem}: {path} du {bytes}, DiskTools {entries[path].Size}");
                Assert.True(apparent[path] == entries[path].ApparentSize, $"{strategy} -d {depth}: {path} du -b {apparent[path]}, DiskTools {entries[path].ApparentSize}");
            }
        }
    }

    [Fact]
    public void GivesAHardLinkToItsLowestPathWhateverTheThreadCount()
    {
        var results = new List<string>();
        foreach (int threads in new[] { 1, 2, 3, 8, 2, 8 })
        {
            ScanSession session = Scan(tree.Root, new DiskUsageOptions { Depth = 10, ThrottleLimit = threads });
            results.Add(string.Join('\n', session.Entries.OrderBy(e => e.Path, StringComparer.Ordinal).Select(e => $"{e.Path} {e.Size} {e.ApparentSize}")));
            var byPath = session.Entries.ToDictionary(e => e.Path);

            // links/x/shared sorts below links/y/again and links/y/deeper/shared: x owns the inode.
            Assert.True(byPath[Path.Combine(tree.Root, "links/x")].ApparentSize >= 200000);
            Assert.True(byPath[Path.Combine(tree.Root, "links/y")].ApparentSize < 200000);
        }

        Assert.Single(results.Distinct());
    }

    [Fact]
    public void TopReturnsTheLargestEntriesAnywhereIncludingFiles()
    {
        ScanSession session = Scan(tree.Root, new DiskUsageOptions { Top = 5, IncludeFiles = true, Basis = SizeBasis.Apparent });
        Assert.Equal(5, session.Entries.Count);
        Assert.Equal(tree.Root, session.Entries[0].Path);
        Assert.Equal(session.Entries.Select(e => e.ApparentSize).OrderDescending(), session.Entries.Select(e => e.ApparentSize));
        Assert.Contains(session.Entries, e => e.Kind == DiskUsageEntryKind.File && e.Name == "sparse");
    }

    [Fact]
    public void FileEntriesAndCountsFollowTheTree()
    {
        ScanSession session = Scan(tree.Root, new DiskUsageOptions { Depth = 2, IncludeFiles = true });
        var byPath = session.Entries.ToDictionary(e => e.Path);
        DiskUsageEntry odd = byPath[Path.Combine(tree.Root, "odd")];
        Assert.Equal(6, odd.FileCount); // f\xe9, x\x80, to-data, loop-a, loop-b, fifo
        Assert.Equal(1, odd.DirectoryCount);
        Assert.Equal(DiskUsageEntryKind.Other, byPath[Path.Combine(tree.Root, "odd/fifo")].Kind);
        Assert.Equal(DiskUsageEntryKind.Symlink, byPath[Path.Combine(tree.Root, "odd/loop-a")].Kind);
        Assert.Equal("bad\\xFF\\xFE", byPath[Path.Combine(tree.Root, "odd/bad\\xFF\\xFE")].Name);

        // Hard links within one directory are one file's bytes, listed once under the lowest name.
        Assert.Contains(Path.Combine(tree.Root, "same/copy1"), byPath.Keys);
        Assert.DoesNotContain(Path.Combine(tree.Root, "same/original"), byPath.Keys);
        Assert.Equal(1.0, session.Entries[0].Share);
        double shares = session.Entries.Where(e => e.Depth == 1).Sum(e => e.Share);
        Assert.InRange(shares, 0.5, 1.0);
    }

    [Fact]
    public async Task CountsAFileWhoseSizeChangesDuringTheScanOnceWithASizeItHad()
    {
        using var growing = new TempTree();
        for (int i = 0; i < 300; i++)
        {
            growing.File($"d{i % 30}/f{i}", 1000);
        }

        string file = growing.File("grow.log", 0);
        using var stop = new CancellationTokenSource();
        Task writer = Task.Run(() =>
        {
            using var stream = new FileStream(file, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            var chunk = new byte[4096];
            while (!stop.IsCancellationRequested && stream.Length < 64 << 20)
            {
                stream.Write(chunk);
            }
        });

        ScanSession session = Scan(growing.Root, new DiskUsageOptions { IncludeFiles = true, Basis = SizeBasis.Apparent });
        stop.Cancel();
        await writer;
        Assert.Equal(ScanStatus.Completed, session.Status);
        Assert.Empty(session.Errors);
        long seen = session.Entries.Single(e => e.Name == "grow.log").ApparentSize;
        Assert.InRange(seen, 0, new FileInfo(file).Length);
        Assert.Equal(300 * 1000 + seen, session.Entries.Where(e => e.Kind == DiskUsageEntryKind.Directory && e.Depth == 1).Sum(e => e.ApparentSize - 4096) + seen);
    }

    [Fact]
    public async Task TimeoutAbortsAndKeepsThePartialTotals()
    {
        var session = new ScanSession("/usr", WalkStrategy.Parallel);
        await DiskUsageScanner.ScanAsync(session, new DiskUsageOptions { Timeout = TimeSpan.FromMilliseconds(30), ThrottleLimit = 1 }, new RecordingWriter(), CancellationToken.None);
        Assert.Equal(ScanStatus.Aborted, session.Status);
        Assert.StartsWith("Timed out", session.AbortReason);
        Assert.True(session.EndTime >= session.StartTime);
        Assert.True(session.TotalBytes > 0);
        Assert.True(session.Entries[0].Incomplete);
    }

    [Fact]
    public void AMissingRootThrowsObjectNotFound()
    {
        var e = Assert.Throws<WalkRootException>(() => Scan(Path.Combine(tree.Root, "missing"), new DiskUsageOptions()));
        Assert.Equal(ErrorKind.ObjectNotFound, e.Kind);
    }

    [Fact]
    public void VerifyParityFindsNoMismatchOnAQuietTree()
    {
        var writer = new RecordingWriter();
        ScanSession session = Scan(tree.Root, new DiskUsageOptions { VerifyParity = true }, writer);
        Assert.True(session.ParityChecked > 0);
        Assert.Equal(0, session.ParityMismatches);
        Assert.Empty(writer.Warnings);
    }
}
