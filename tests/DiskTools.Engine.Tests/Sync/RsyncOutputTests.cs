using DiskTools.Engine.Sync.Jobs;
using Xunit;

namespace DiskTools.Engine.Tests.Sync;

public sealed class RsyncOutputTests
{
    [Fact]
    public void Reads_an_overall_progress_line()
    {
        Assert.True(RsyncOutput.TryParseProgress("     12,345,678  42%   11.77MB/s    0:00:03 (xfr#17, to-chk=830/1000)", out RsyncProgress p));
        Assert.Equal(12_345_678, p.Bytes);
        Assert.Equal(42, p.Percent);
        Assert.Equal("11.77MB/s", p.Rate);
        Assert.Equal(TimeSpan.FromSeconds(3), p.Remaining);
        Assert.Equal(17, p.Transfers);
        Assert.Equal(1000, p.Total);
        Assert.Equal(170, p.Checked);
        Assert.True(p.TotalKnown);
    }

    [Fact]
    public void Incremental_scan_marks_the_total_as_provisional()
    {
        Assert.True(RsyncOutput.TryParseProgress("              0   0%    0.00kB/s    0:00:00 (xfr#0, ir-chk=1000/1010)", out RsyncProgress p));
        Assert.False(p.TotalKnown);
        Assert.Equal(10, p.Checked);
    }

    [Fact]
    public void A_line_without_counts_still_gives_bytes_and_percent()
    {
        Assert.True(RsyncOutput.TryParseProgress("  1.234.567 100%  120,00MB/s    1:02:03", out RsyncProgress p));
        Assert.Equal(1_234_567, p.Bytes);
        Assert.Equal(100, p.Percent);
        Assert.Equal(new TimeSpan(1, 2, 3), p.Remaining);
        Assert.Null(p.Total);
    }

    [Theory]
    [InlineData(">f+++++++++ docs/a file.txt", ">f+++++++++", "docs/a file.txt")]
    [InlineData("cd+++++++++ dir $(x)/", "cd+++++++++", "dir $(x)/")]
    [InlineData(".d..t...... ./", ".d..t......", "./")]
    [InlineData(">f.st...... big.bin", ">f.st......", "big.bin")]
    [InlineData("cL+++++++++ link -> target", "cL+++++++++", "link -> target")]
    [InlineData("hf+++++++++ b => a", "hf+++++++++", "b => a")]
    [InlineData("*deleting   old/file", "*deleting", "old/file")]
    public void Reads_itemized_changes(string line, string change, string path)
    {
        Assert.True(RsyncOutput.TryParseItem(line, out RsyncItem item));
        Assert.Equal(change, item.Change);
        Assert.Equal(path, item.Path);
        Assert.Equal(change == "*deleting", item.IsDeletion);
    }

    [Fact]
    public void Splits_interleaved_carriage_returns_and_newlines()
    {
        string chunk = "     0   0%    0.00kB/s    0:00:00 (xfr#0, to-chk=2/3)\r>f+++++++++ a\n  10 100%    1.00kB/s    0:00:00 (xfr#1, to-chk=0/3)\r\n";
        string[] segments = [.. RsyncOutput.Segments(chunk)];
        Assert.Equal(3, segments.Length);
        Assert.True(RsyncOutput.TryParseProgress(segments[0], out _));
        Assert.True(RsyncOutput.TryParseItem(segments[1], out _));
        Assert.False(RsyncOutput.TryParseItem(segments[2], out _));
        Assert.False(RsyncOutput.TryParseProgress("sending incremental file list", out _));
    }
}
