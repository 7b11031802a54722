namespace DiskTools.TestFixtures;

/// <summary>
/// A btrfs file system in a sparse image file, attached to a loop device and mounted under a temp
/// directory (root only). Dispose unmounts everything it mounted, detaches the loop device and deletes the
/// image, also after a failing test; whatever is left at process exit is cleaned up then.
/// </summary>
public sealed class BtrfsVolume : IDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private readonly string _root;
    private readonly List<string> _mounts = []; // in mount order; unmounted in reverse
    private int _mountCounter;
    private bool _disposed;

    // Run by the watchdog when the test process died with the volume still mounted: unmount everything
    // below the directory (innermost first), detach the loop devices backing the image, then delete.
    private const string WatchdogCleanup = """
        for mp in $(awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | tac); do
            umount "$mp" || umount -l "$mp"
        done
        for dev in $(losetup --noheadings --output NAME --associated "$dir/image.btrfs"); do
            losetup -d "$dev"
        done
        awk -v d="$dir/" 'index($5, d) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo || rm -rf "$dir"
        """;

    private BtrfsVolume(string root)
    {
        _root = root;
    }

    public string ImagePath => Path.Combine(_root, "image.btrfs");

    /// <summary>The top-level subvolume (subvolid=5) is mounted here.</summary>
    public string MountPoint => Path.Combine(_root, "top");

    /// <summary>The loop device backing the image, e.g. /dev/loop3.</summary>
    public string LoopDevice { get; private set; } = "";

    /// <summary>Every mount point this volume currently has (the top level first).</summary>
    public IReadOnlyList<string> MountPoints
    {
        get
        {
            lock (_mounts)
            {
                return [.. _mounts];
            }
        }
    }

    /// <summary>
    /// Makes a btrfs image of <paramref name="sizeBytes"/> (sparse), mounts it and creates
    /// <paramref name="subvolumes"/> at the top level. Small images (under 256 MiB) use mixed block groups,
    /// which mkfs.btrfs requires for them.
    /// </summary>
    public static BtrfsVolume Create(long sizeBytes = 256L << 20, params string[] subvolumes) => CreateUnder(null, sizeBytes, subvolumes);

    /// <summary>
    /// As <see cref="Create"/>, with the volume's directory in <paramref name="parent"/> (e.g. an isolated
    /// <see cref="SshServer.SharedDirectory"/>, so the server's namespace sees the volume too).
    /// </summary>
    public static BtrfsVolume CreateUnder(string? parent, long sizeBytes, params string[] subvolumes)
    {
        Prerequisite.Require(Prerequisite.IsRoot, "btrfs volumes need root (losetup and mount)");
        foreach (string tool in new[] { "mkfs.btrfs", "btrfs", "losetup", "mount", "umount" })
        {
            Prerequisite.Require(Prerequisite.FindExecutable(tool) is not null, $"{tool} not found; install 'btrfs-progs' and 'util-linux'");
        }

        var volume = new BtrfsVolume(FixtureDirectory.Create("btrfs", parent));
        ExitCleanup.Register(volume);
        Watchdog.Start(volume._root, WatchdogCleanup);
        try
        {
            volume.Build(sizeBytes, subvolumes);
            return volume;
        }
        catch
        {
            try
            {
                volume.Dispose();
            }
            catch (InvalidOperationException)
            {
                // The original failure matters more than an incomplete cleanup of it.
            }

            throw;
        }
    }

    /// <summary>The path of subvolume <paramref name="name"/> inside the top-level mount.</summary>
    public string SubvolumePath(string name) => Path.Combine(MountPoint, name);

    /// <summary>Creates a subvolume at the top level (or below, for a relative path) and returns its path.</summary>
    public string CreateSubvolume(string name)
    {
        string path = SubvolumePath(name);
        ProcessRunner.Run("btrfs", ["subvolume", "create", path], CommandTimeout);
        return path;
    }

    /// <summary>Mounts subvolume <paramref name="name"/> (-o subvol=) at a fresh mount point and returns it.</summary>
    public string MountSubvolume(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        string safe = string.Concat(name.Select(c => char.IsLetterOrDigit(c) ? c : '_'));
        string mountPoint = Path.Combine(_root, $"sub{Interlocked.Increment(ref _mountCounter)}-{safe}");
        Directory.CreateDirectory(mountPoint);
        Mount(["-t", "btrfs", "-o", $"subvol={name}", LoopDevice, mountPoint], mountPoint, firstMount: false);
        return mountPoint;
    }

    public void Dispose()
    {
        lock (_mounts)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        ExitCleanup.Unregister(this);
        var problems = new List<string>();
        foreach (string mountPoint in MountPoints.Reverse())
        {
            if (!Unmount(mountPoint, out string problem))
            {
                problems.Add(problem);
            }
        }

        if (LoopDevice.Length > 0)
        {
            // After a lazy unmount the device is still busy; -d then marks it to detach itself once free.
            ProcessResult detach = ProcessRunner.TryRun("losetup", ["-d", LoopDevice], CommandTimeout);
            if (!detach.Succeeded && !detach.StandardError.Contains("No such device", StringComparison.Ordinal))
            {
                problems.Add($"losetup -d {LoopDevice}: {detach.StandardError.Trim()}");
            }
        }

        FixtureDirectory.Delete(_root);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("BtrfsVolume cleanup incomplete: " + string.Join("; ", problems));
        }
    }

    private void Build(long sizeBytes, string[] subvolumes)
    {
        using (var image = new FileStream(ImagePath, FileMode.CreateNew, FileAccess.Write))
        {
            image.SetLength(sizeBytes); // sparse: costs no disk space until written
        }

        var mkfs = new List<string> { "-q" };
        if (sizeBytes < 256L << 20)
        {
            mkfs.Add("--mixed");
        }

        mkfs.Add(ImagePath);
        ProcessRunner.Run("mkfs.btrfs", mkfs, CommandTimeout);

        ProcessResult attach = ProcessRunner.TryRun("losetup", ["--find", "--show", ImagePath], CommandTimeout);
        Prerequisite.Require(attach.Succeeded,
            $"cannot attach a loop device (losetup --find --show): {attach.StandardError.Trim()}; {DescribeKernelSupport()}");
        LoopDevice = attach.StandardOutput.Trim();

        Directory.CreateDirectory(MountPoint);
        Mount(["-t", "btrfs", LoopDevice, MountPoint], MountPoint, firstMount: true);

        foreach (string name in subvolumes)
        {
            CreateSubvolume(name);
        }
    }

    private void Mount(string[] arguments, string mountPoint, bool firstMount)
    {
        ProcessResult result = ProcessRunner.TryRun("mount", arguments, CommandTimeout);
        if (!result.Succeeded && firstMount)
        {
            // A freshly made image that will not mount is the machine's fault (no btrfs module, no loop
            // devices, no mount permission in a container): say exactly that.
            Prerequisite.Require(false, $"'{result.CommandLine}' failed: {result.StandardError.Trim()}; {DescribeKernelSupport()}");
        }
        else if (!result.Succeeded)
        {
            throw new ProcessFailedException(result);
        }

        lock (_mounts)
        {
            _mounts.Add(mountPoint);
        }
    }

    private static bool Unmount(string mountPoint, out string problem)
    {
        problem = "";
        for (int attempt = 1; attempt <= 5; attempt++)
        {
            if (!MountTable.IsMounted(mountPoint))
            {
                return true;
            }

            ProcessResult result = ProcessRunner.TryRun("umount", [mountPoint], CommandTimeout);
            if (result.Succeeded)
            {
                return true;
            }

            problem = result.StandardError.Trim();
            // Busy: a file a test left open or a process still inside; give it a moment.
            Thread.Sleep(100 * attempt);
        }

        // Still busy: detach it from the tree now; the kernel finishes when the last user lets go.
        ProcessResult lazy = ProcessRunner.TryRun("umount", ["-l", mountPoint], CommandTimeout);
        if (lazy.Succeeded || !MountTable.IsMounted(mountPoint))
        {
            return true;
        }

        problem = $"umount {mountPoint}: {problem}; umount -l: {lazy.StandardError.Trim()}";
        return false;
    }

    /// <summary>What the kernel offers, for messages when mounting fails.</summary>
    private static string DescribeKernelSupport()
    {
        bool btrfsKnown = File.Exists("/proc/filesystems") && File.ReadAllText("/proc/filesystems").Contains("btrfs", StringComparison.Ordinal);
        bool loopControl = File.Exists("/dev/loop-control");
        return $"btrfs in /proc/filesystems: {(btrfsKnown ? "yes" : "no (modprobe btrfs)")}, /dev/loop-control: {(loopControl ? "present" : "missing")}";
    }
}
