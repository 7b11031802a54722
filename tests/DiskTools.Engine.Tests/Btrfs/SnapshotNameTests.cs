using DiskTools.Engine.Btrfs;
using Xunit;

namespace DiskTools.Engine.Tests.Btrfs;

public class SnapshotNameTests
{
    [Fact]
    public void FormatsTheDocumentedExample()
    {
        var at = new DateTime(2025, 11, 29, 14, 30, 22, DateTimeKind.Utc);
        Assert.Equal("@home-presync-20251129T143022-abc12345", SnapshotName.Format("@home", SnapshotPhase.PreSync, at, "abc12345"));
    }

    [Theory]
    [InlineData("@", SnapshotPhase.PreSync)]
    [InlineData("@home", SnapshotPhase.PostSync)]
    [InlineData("data-manual-20250101T000000-00000000", SnapshotPhase.Manual)]
    [InlineData("with space;$(x)'q'", SnapshotPhase.Manual)]
    [InlineData("root-presync", SnapshotPhase.PostSync)]
    public void RoundTrips(string subvolume, SnapshotPhase phase)
    {
        var at = new DateTime(2024, 2, 29, 23, 59, 58, DateTimeKind.Utc);
        string name = SnapshotName.Format(subvolume, phase, at, "DEADBEEF");
        Assert.True(SnapshotName.TryParse(name, out SnapshotNameParts parts));
        Assert.Equal(subvolume, parts.Subvolume);
        Assert.Equal(phase, parts.Phase);
        Assert.Equal(at, parts.Timestamp);
        Assert.Equal(DateTimeKind.Utc, parts.Timestamp.Kind);
        Assert.Equal("deadbeef", parts.SessionId);
    }

    [Fact]
    public void LocalTimesAreWrittenInUtc()
    {
        var local = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.FromHours(2));
        string name = SnapshotName.Format("@", SnapshotPhase.Manual, local.UtcDateTime.ToLocalTime(), "01234567");
        Assert.Contains("-20250601T100000-", name, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("@home-presync-20251129T143022-abc1234")] // short session
    [InlineData("@home-presync-20251129T143022-ABC12345")] // upper-case session is not what we write
    [InlineData("@home-weekly-20251129T143022-abc12345")] // unknown phase
    [InlineData("@home-presync-20251129-abc12345")] // no time
    [InlineData("@home-presync-20251399T143022-abc12345")] // impossible date
    [InlineData("-presync-20251129T143022-abc12345")] // no subvolume
    [InlineData("@home-presync-20251129T143022-abc12345.bak")]
    [InlineData("@home")]
    public void RejectsAnythingElse(string name) => Assert.False(SnapshotName.TryParse(name, out _));

    [Theory]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("line\nbreak")]
    public void RejectsUnusableSubvolumeNames(string subvolume)
        => Assert.Throws<ArgumentException>(() => SnapshotName.Format(subvolume, SnapshotPhase.Manual, DateTime.UtcNow, "abcdef01"));

    [Fact]
    public void NewSessionIdsAreEightLowerHexDigits()
    {
        for (int i = 0; i < 50; i++)
        {
            string id = SnapshotName.NewSessionId();
            Assert.Matches("^[0-9a-f]{8}$", id);
        }

        Assert.Throws<ArgumentException>(() => SnapshotName.NormalizeSessionId("xyz"));
    }
}
