using DiskTools.Engine.Remoting;

namespace DiskTools.Engine.Btrfs;

/// <summary>Names the snapshot engine's error for a failed btrfs command (host-level errors are the executor's own).</summary>
public static class BtrfsErrors
{
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
            return new DiskToolsException(ErrorIds.BtrfsProgsNotFound, ErrorKind.NotInstalled,
                $"btrfs-progs is not installed on {host} (the 'btrfs' command was not found on its PATH). Install the btrfs-progs package there.", host);
        }

        if (Has(stderr, "Operation not permitted") || Has(stderr, "Permission denied") || Has(stderr, "must be root"))
        {
            return new DiskToolsException(ErrorIds.BtrfsPermissionDenied, ErrorKind.PermissionDenied,
                $"Permission denied on {host}: {command.Program} needs root (CAP_SYS_ADMIN) for this. Run as root or connect as root. ({detail})", target);
        }

        if (Has(stderr, "not a btrfs filesystem") || Has(stderr, "not a btrfs subvolume") && command.Arguments.Contains("list"))
        {
            return new DiskToolsException(ErrorIds.NotBtrfsFileSystem, ErrorKind.InvalidArgument, $"{target} on {host} is not on a btrfs filesystem. ({detail})", target);
        }

        if (Has(stderr, "exists"))
        {
            return new DiskToolsException(ErrorIds.SnapshotAlreadyExists, ErrorKind.ResourceExists, $"{target} already exists on {host}. ({detail})", target);
        }

        return new DiskToolsException(ErrorIds.BtrfsCommandFailed, ErrorKind.InvalidOperation,
            $"'{command}' failed on {host} with exit code {result.ExitCode}: {detail}", target);
    }

    private static bool Has(string text, string fragment) => text.Contains(fragment, StringComparison.OrdinalIgnoreCase);
}
