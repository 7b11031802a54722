namespace DiskTools.TestFixtures;

/// <summary>
/// An ext4 file system in a sparse image file on a loop device, mounted under a temp directory (root only).
/// It can be unmounted (leaving the empty mount point, as an unplugged disk does) and mounted again on
/// another loop device, which gives every file a new st_dev while the file system, inodes and times stay the
/// same. Dispose unmounts, detaches and deletes, also after a failing test.
/// </summary>
public sealed class LoopFileSystem : IDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private const string WatchdogCleanup = """
        for mp in $(awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | tac); do
            umount "$mp" || umount -l "$mp"
        done
        for dev in $(losetup --noheadings --output NAME --associated "$dir/image.ext4"); do
            losetup -d "$dev"
        done
        awk -v d="$dir/" 'index($5, d) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo || rm -rf "$dir"
        """;

    private readonly string root;
    private bool disposed;

    private LoopFileSystem(string root) => this.root = root;

    public string ImagePath => Path.Combine(root, "image.ext4");

    /// <summary>Where the file system is mounted (an empty directory of the enclosing file system while unmounted).</summary>
    public string MountPoint => Path.Combine(root, "mnt");

    /// <summary>The loop device currently backing the image ("" while detached).</summary>
    public string LoopDevice { get; private set; } = "";

    public bool IsMounted => MountTable.IsMounted(MountPoint);

    public static LoopFileSystem Create(long sizeBytes = 64L << 20)
    {
        Prerequisite.Require(Prerequisite.IsRoot, "loop file systems need root (losetup and mount)");
        foreach (string tool in new[] { "mkfs.ext4", "losetup", "mount", "umount" })
        {
            Prerequisite.Require(Prerequisite.FindExecutable(tool) is not null, $"{tool} not found; install 'e2fsprogs' and 'util-linux'");
        }

        var fs = new LoopFileSystem(FixtureDirectory.Create("ext4"));
        ExitCleanup.Register(fs);
        Watchdog.Start(fs.root, WatchdogCleanup);
        try
        {
            using (var image = new FileStream(fs.ImagePath, FileMode.CreateNew, FileAccess.Write))
            {
                image.SetLength(sizeBytes);
            }

            ProcessRunner.Run("mkfs.ext4", ["-q", "-F", fs.ImagePath], CommandTimeout);
            Directory.CreateDirectory(fs.MountPoint);
            fs.LoopDevice = fs.Attach();
            fs.MountNow();
            return fs;
        }
        catch
        {
            fs.Dispose();
            throw;
        }
    }

    /// <summary>Unmounts it and detaches its loop device: the mount point is left, empty.</summary>
    public void Unmount()
    {
        ProcessRunner.Run("umount", [MountPoint], CommandTimeout);
        ProcessRunner.Run("losetup", ["-d", LoopDevice], CommandTimeout);
        LoopDevice = "";
    }

    /// <summary>Mounts it again on a loop device other than the one it was on (attached before the old one goes).</summary>
    public void RemountOnAnotherLoopDevice()
    {
        string next = Attach();
        if (IsMounted)
        {
            ProcessRunner.Run("umount", [MountPoint], CommandTimeout);
        }

        if (LoopDevice.Length > 0)
        {
            ProcessRunner.Run("losetup", ["-d", LoopDevice], CommandTimeout);
        }

        LoopDevice = next;
        MountNow();
    }

    /// <summary>Mounts it again (on a fresh loop device) after <see cref="Unmount"/>.</summary>
    public void Mount()
    {
        LoopDevice = Attach();
        MountNow();
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        ExitCleanup.Unregister(this);
        if (IsMounted && !ProcessRunner.TryRun("umount", [MountPoint], CommandTimeout).Succeeded)
        {
            ProcessRunner.TryRun("umount", ["-l", MountPoint], CommandTimeout);
        }

        if (LoopDevice.Length > 0)
        {
            ProcessRunner.TryRun("losetup", ["-d", LoopDevice], CommandTimeout);
        }

        FixtureDirectory.Delete(root);
    }

    private string Attach()
    {
        ProcessResult attach = ProcessRunner.TryRun("losetup", ["--find", "--show", ImagePath], CommandTimeout);
        Prerequisite.Require(attach.Succeeded, $"cannot attach a loop device (losetup --find --show): {attach.StandardError.Trim()}");
        return attach.StandardOutput.Trim();
    }

    private void MountNow() => ProcessRunner.Run("mount", ["-t", "ext4", LoopDevice, MountPoint], CommandTimeout);
}
