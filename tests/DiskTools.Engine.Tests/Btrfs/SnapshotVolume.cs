using DiskTools.TestFixtures;

namespace DiskTools.Engine.Tests.Btrfs;

/// <summary>
/// One loop-mounted btrfs for a test class, laid out like a typical system: "@" mounted (as "/" would be)
/// with the snapshots below it, "@home" mounted on its own, and a top-level subvolume whose name is full
/// of shell metacharacters, reachable only through the top-level mount. Each test makes its own snapshot
/// directory so tests cannot see each other's snapshots.
/// </summary>
public sealed class SnapshotVolume : IDisposable
{
    public const string HostileSubvolume = "we ird;$(touch CANARY) `id` 'q'";

    private readonly Lazy<BtrfsVolume> volume;
    private readonly Lazy<(string Root, string Home)> mounts;

    public SnapshotVolume()
    {
        volume = new Lazy<BtrfsVolume>(() => BtrfsVolume.Create(256L << 20, "@", "@home", HostileSubvolume));
        mounts = new Lazy<(string, string)>(() => (Volume.MountSubvolume("@"), Volume.MountSubvolume("@home")));
    }

    public BtrfsVolume Volume => volume.Value;

    /// <summary>Where "@" is mounted: the filesystem to name in SnapshotLocation.</summary>
    public string RootMount => mounts.Value.Root;

    public string HomeMount => mounts.Value.Home;

    /// <summary>A fresh snapshot directory inside "@".</summary>
    public string NewSnapshotDirectory()
    {
        string dir = Path.Combine(RootMount, ".snapshots-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public void Dispose()
    {
        if (volume.IsValueCreated)
        {
            volume.Value.Dispose();
        }
    }
}
