using DiskTools.Engine.Remoting;

namespace DiskTools.Engine.Btrfs;

/// <summary>Stable error ids of the snapshot engine (host-level ones come from <see cref="ExecutorErrors"/>).</summary>
public static class BtrfsErrors
{
    public const string PermissionDenied = "BtrfsPermissionDenied";
    public const string NotBtrfsFileSystem = "NotBtrfsFileSystem";
    public const string SubvolumeNotFound = "SubvolumeNotFound";
    public const string SubvolumeNotMounted = "SubvolumeNotMounted";
    public const string SnapshotDirectoryNotFound = "SnapshotDirectoryNotFound";
    public const string SnapshotDirectoryOnOtherFileSystem = "SnapshotDirectoryOnOtherFileSystem";
    public const string SnapshotAlreadyExists = "SnapshotAlreadyExists";
    public const string SnapshotNotFound = "SnapshotNotFound";
    public const string NotASnapshotName = "NotADiskToolsSnapshot";
    public const string BtrfsProgsNotFound = "BtrfsProgsNotFound";
    public const string PathNotFound = "FileSystemPathNotFound";
    public const string CommandFailed = "BtrfsCommandFailed";
    public const string InvalidArgument = "InvalidSnapshotArgument";

    /// <summary>
    /// Classifies a failed btrfs (or helper) command by its exit status and the messages btrfs-progs prints,
    /// so each cause gets its own id whatever the host's btrfs-progs version words around it.
    /// </summary>
    internal static DiskToolsException FromCommand(CommandResult result, CommandLine command, string host, object target)
    {
        string stderr = result.StandardError.Trim();
        string detail = stderr.Length > 0 ? stderr : result.StandardOutput.Trim();
        if (result.ExitCode == CommandResult.CommandNotFound && (command.Program == "btrfs" || command.Arguments.Contains("btrfs")))
        {
            return new DiskToolsException(BtrfsProgsNotFound, ErrorKind.NotInstalled,
                $"btrfs-progs is not installed on {host} (the 'btrfs' command was not found on its PATH). Install the btrfs-progs package there.", host);
        }

        if (Has(stderr, "Operation not permitted") || Has(stderr, "Permission denied") || Has(stderr, "must be root"))
        {
            return new DiskToolsException(PermissionDenied, ErrorKind.PermissionDenied,
                $"Permission denied on {host}: {command.Program} needs root (CAP_SYS_ADMIN) for this. Run as root or connect as root. ({detail})", target);
        }

        if (Has(stderr, "not a btrfs filesystem") || Has(stderr, "not a btrfs subvolume") && command.Arguments.Contains("list"))
        {
            return new DiskToolsException(NotBtrfsFileSystem, ErrorKind.InvalidArgument, $"{target} on {host} is not on a btrfs filesystem. ({detail})", target);
        }

        if (Has(stderr, "exists"))
        {
            return new DiskToolsException(SnapshotAlreadyExists, ErrorKind.ResourceExists, $"{target} already exists on {host}. ({detail})", target);
        }

        return new DiskToolsException(CommandFailed, ErrorKind.InvalidOperation,
            $"'{command}' failed on {host} with exit code {result.ExitCode}: {detail}", target);
    }

    private static bool Has(string text, string fragment) => text.Contains(fragment, StringComparison.OrdinalIgnoreCase);
}
