using DiskTools.TestFixtures;
using Xunit;

namespace DiskTools.Engine.Tests.Fixtures;

/// <summary>Proves the btrfs fixture on a real loop-mounted image.</summary>
public sealed class BtrfsFixtureTests
{
    [SkippableFact]
    public void Volume_has_its_subvolumes_mounts_one_and_leaves_nothing_behind()
    {
        string image, top, sub, loop;
        using (BtrfsVolume volume = BtrfsVolume.Create(subvolumes: ["data", "home"]))
        {
            (image, top, loop) = (volume.ImagePath, volume.MountPoint, volume.LoopDevice);
            Assert.True(MountTable.IsMounted(top));
            Assert.Equal("btrfs", ProcessRunner.Run("stat", "-f", "-c", "%T", top).StandardOutput.Trim());

            File.WriteAllText(Path.Combine(volume.SubvolumePath("data"), "note.txt"), "in data");

            string listing = ProcessRunner.Run("btrfs", "subvolume", "list", top).StandardOutput;
            Assert.Contains(" path data", listing);
            Assert.Contains(" path home", listing);

            sub = volume.MountSubvolume("data");
            Assert.True(MountTable.IsMounted(sub));
            Assert.Equal("in data", File.ReadAllText(Path.Combine(sub, "note.txt")));
            Assert.Equal("256", ProcessRunner.Run("stat", "-c", "%i", sub).StandardOutput.Trim()); // a subvolume root

            // A file left open must not stop the cleanup.
            using var open = File.OpenRead(Path.Combine(sub, "note.txt"));
            volume.Dispose();
        }

        Assert.False(MountTable.IsMounted(top));
        Assert.False(MountTable.IsMounted(sub));
        Assert.False(File.Exists(image));
        // The lazily unmounted file system lets go of the loop device once the file above is closed; the
        // kernel detaches it then (autoclear), which takes a moment.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (LoopBackingFile(loop).Contains(image, StringComparison.Ordinal) && waited.Elapsed < TimeSpan.FromSeconds(20))
        {
            Thread.Sleep(50);
        }

        Assert.DoesNotContain(image, LoopBackingFile(loop));
    }

    private static string LoopBackingFile(string device) =>
        ProcessRunner.TryRun("losetup", ["--list", "--noheadings", "--output", "BACK-FILE", device]).StandardOutput;

    [SkippableFact]
    public void Small_images_are_made_with_mixed_block_groups()
    {
        using BtrfsVolume volume = BtrfsVolume.Create(64L << 20);
        File.WriteAllText(Path.Combine(volume.MountPoint, "small.txt"), "fits");
        Assert.Equal("fits", File.ReadAllText(Path.Combine(volume.MountPoint, "small.txt")));
    }
}
