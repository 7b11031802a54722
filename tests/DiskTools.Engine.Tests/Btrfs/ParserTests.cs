using DiskTools.Engine.Btrfs;
using Xunit;

namespace DiskTools.Engine.Tests.Btrfs;

public class ParserTests
{
    // Captured from btrfs-progs 6.x: `btrfs subvolume list -u -q`, with -c and -p columns too.
    private const string ListOutput =
        "ID 256 gen 7 cgen 7 parent 5 top level 5 parent_uuid -                                    uuid ada9f6a8-aca3-c548-b6de-e37bc60cf9b2 path @home\n" +
        "ID 258 gen 9 top level 5 parent_uuid -                                    uuid 23c4d451-0621-2548-bd84-baa57a8e8ac4 path @we ird;$(x) 'q'\n" +
        "ID 260 gen 11 top level 259 parent_uuid ada9f6a8-aca3-c548-b6de-e37bc60cf9b2 uuid 8b3a21b9-5ca6-1444-b7f1-74860864bcb8 path @/.snapshots/@home-manual-20250101T000000-abcdef12\n" +
        "ID 261 gen 12 top level 5 path plain\n" +
        "\n";

    [Fact]
    public void ParsesSubvolumeList()
    {
        var entries = SubvolumeListing.Parse(ListOutput);
        Assert.Equal(4, entries.Count);
        Assert.Equal(new SubvolumeListEntry(256, 7, 5, null, Guid.Parse("ada9f6a8-aca3-c548-b6de-e37bc60cf9b2"), "@home"), entries[0]);
        Assert.Equal("@we ird;$(x) 'q'", entries[1].Path);
        Assert.Equal(259, entries[2].TopLevel);
        Assert.Equal(Guid.Parse("ada9f6a8-aca3-c548-b6de-e37bc60cf9b2"), entries[2].ParentUuid);
        Assert.Equal("plain", entries[3].Path);
        Assert.Null(entries[3].Uuid);
    }

    [Fact]
    public void ReadsCreationTimesFromTheSnapshotListingAndShow()
    {
        // `TZ=UTC0 btrfs subvolume list -a -s -u -q`, btrfs-progs 6.2.
        var entries = SubvolumeListing.Parse(
            "ID 257 gen 7 cgen 7 top level 5 otime 2026-12-03 05:41:52 parent_uuid 1bf122df-0edd-f14d-9e74-65ec436bf3e1 uuid 98c08d9e-b21a-3e4c-8cf5-15fb96e94362 path .snaps/x y\n" +
            "ID 258 gen 8 cgen 8 top level 5 otime 2026-12-03 05:42:00 path .snaps/@home-presync-20991231T000000-deadbeef\n");
        Assert.Equal(new DateTime(2026, 12, 3, 5, 41, 52, DateTimeKind.Utc), entries[0].CreatedUtc);
        Assert.Equal(DateTimeKind.Utc, entries[0].CreatedUtc!.Value.Kind);
        Assert.Equal(".snaps/x y", entries[0].Path);
        Assert.Equal(".snaps/@home-presync-20991231T000000-deadbeef", entries[1].Path);
        Assert.Null(SubvolumeListing.Parse(ListOutput)[0].CreatedUtc);

        Assert.Equal(new DateTime(2026, 11, 23, 1, 3, 25, DateTimeKind.Utc), SubvolumeListing.ParseTime("2026-11-23 03:03:25 +0200"));
        Assert.Equal(new DateTime(2026, 11, 23, 3, 3, 25, DateTimeKind.Utc), SubvolumeShow.Parse("\tCreation time: \t\t2026-11-23 03:03:25 +0000\n").CreatedUtc);
        Assert.Null(SubvolumeListing.ParseTime("-"));
    }

    [Fact]
    public void StripsTheTopLevelPrefixOfListA()
    {
        var entries = SubvolumeListing.Parse("ID 256 gen 7 top level 5 parent_uuid - uuid 4df266a8-12c9-d44d-9196-deca1098acc7 path <FS_TREE>/@\n");
        Assert.Equal("@", Assert.Single(entries).Path);
    }

    [Fact]
    public void ParsesSubvolumeShow()
    {
        const string show = "@/.snapshots/@home-manual-20250101T000000-abcdef12\n" +
            "\tName: \t\t\t@home-manual-20250101T000000-abcdef12\n" +
            "\tUUID: \t\t\t8b3a21b9-5ca6-1444-b7f1-74860864bcb8\n" +
            "\tParent UUID: \t\tada9f6a8-aca3-c548-b6de-e37bc60cf9b2\n" +
            "\tReceived UUID: \t\t-\n" +
            "\tCreation time: \t\t2026-11-23 03:03:25 +0000\n" +
            "\tSubvolume ID: \t\t260\n" +
            "\tGeneration: \t\t7\n" +
            "\tGen at creation: \t7\n" +
            "\tFlags: \t\t\treadonly\n" +
            "\tSnapshot(s):\n";
        SubvolumeDetails details = SubvolumeShow.Parse(show);
        Assert.Equal("@home-manual-20250101T000000-abcdef12", details.Name);
        Assert.Equal(260, details.Id);
        Assert.Equal(7, details.Generation);
        Assert.True(details.ReadOnly);
        Assert.Equal(Guid.Parse("ada9f6a8-aca3-c548-b6de-e37bc60cf9b2"), details.ParentUuid);
        Assert.False(SubvolumeShow.Parse(show.Replace("readonly", "-", StringComparison.Ordinal)).ReadOnly);
    }

    private const string MountInfoText =
        "26 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n" +
        "42 26 0:38 / /mnt/pool rw,relatime shared:20 - btrfs /dev/loop0 rw,subvolid=5,subvol=/\n" +
        "43 26 0:38 /@home /home rw,relatime shared:21 - btrfs /dev/loop0 rw,subvolid=256,subvol=/@home\n" +
        "44 26 0:39 /@data /srv/my\\040data rw,relatime - btrfs /dev/loop1 rw,subvolid=257,subvol=/@data\n" +
        "45 43 0:40 / /home/user/tmp rw - tmpfs tmpfs rw\n";

    [Fact]
    public void MountInfoFindsTheMountHoldingAPath()
    {
        MountInfo info = MountInfo.Parse(MountInfoText);
        Assert.Equal(5, info.Entries.Count);
        Assert.Equal("/home", info.MountContaining("/home/user/docs")!.MountPoint);
        Assert.Equal("tmpfs", info.MountContaining("/home/user/tmp/x")!.FileSystemType);
        Assert.Equal("/", info.MountContaining("/homework")!.MountPoint);
        Assert.Equal("/srv/my data", info.Entries[3].MountPoint);
    }

    [Fact]
    public void LocatePrefersTheExactSubvolumeMountThenTheTopLevel()
    {
        MountInfo info = MountInfo.Parse(MountInfoText);
        Assert.Equal("/home", info.Locate("0:38", "/@home"));
        Assert.Equal("/mnt/pool/@", info.Locate("0:38", "/@"));
        Assert.Equal("/srv/my data", info.Locate("0:39", "/@data"));
        Assert.Null(info.Locate("0:39", "/@other")); // only @data of that filesystem is mounted
    }

    [Theory]
    [InlineData("/a/b", "/a", true)]
    [InlineData("/a", "/a", true)]
    [InlineData("/ab", "/a", false)]
    [InlineData("/x", "/", true)]
    public void IsUnderComparesWholeComponents(string path, string directory, bool expected)
        => Assert.Equal(expected, MountInfo.IsUnder(path, directory));
}
