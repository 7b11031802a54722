using DiskTools.Engine.Sync.Config;
using Xunit;

namespace DiskTools.Engine.Tests.Sync;

public sealed class DiskSpaceValueTests
{
    [Theory]
    [InlineData("20%", 20.0, 0L, "20%")]
    [InlineData(" 2.5 % ", 2.5, 0L, "2.5%")]
    [InlineData("100%", 100.0, 0L, "100%")]
    [InlineData("50GiB", null, 50L << 30, "50 GiB")]
    [InlineData("50 gib", null, 50L << 30, "50 GiB")]
    [InlineData("512 MiB", null, 512L << 20, "512 MiB")]
    [InlineData("1.5GB", null, 1_500_000_000L, "1.5 GB")]
    [InlineData("700 MB", null, 700_000_000L, "700 MB")]
    public void Parses_percentages_and_sizes(string text, double? percent, long bytes, string normalised)
    {
        DiskSpaceValue value = DiskSpaceValue.Parse(text);
        Assert.Equal(percent, value.Percent);
        Assert.Equal(bytes, value.Bytes);
        Assert.Equal(normalised, value.Text);
    }

    [Theory]
    [InlineData("")]
    [InlineData("20")]
    [InlineData("0%")]
    [InlineData("101%")]
    [InlineData("-5%")]
    [InlineData("5 TB")]
    [InlineData("5 KiB")]
    [InlineData("0 GiB")]
    [InlineData("twenty%")]
    [InlineData("5 GiBs")]
    public void Rejects_anything_else_with_a_reason(string text)
    {
        Assert.False(DiskSpaceValue.TryParse(text, out _, out string? error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Thresholds_apply_to_the_file_system_size()
    {
        DiskSpaceValue relative = DiskSpaceValue.Parse("15%");
        Assert.Equal(150, relative.ThresholdBytes(1000));
        Assert.True(relative.IsViolatedBy(149, 1000));
        Assert.False(relative.IsViolatedBy(150, 1000));

        DiskSpaceValue absolute = DiskSpaceValue.Parse("1 MiB");
        Assert.Equal(1 << 20, absolute.ThresholdBytes(10L << 30));
        Assert.True(absolute.IsViolatedBy((1 << 20) - 1, 10L << 30));
    }
}
