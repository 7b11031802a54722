using DiskTools.Commands.Remoting;
using DiskTools.Engine.Btrfs;
using DiskTools.Engine.Remoting;

namespace DiskTools.Commands.Btrfs;

/// <summary>
/// Parameters and connection handling shared by the btrfs snapshot cmdlets: where the snapshots are, and
/// how to reach the host (locally, or over SSH with -ComputerName). One connection per host per invocation.
/// </summary>
public abstract class BtrfsCmdletBase : SshCmdletBase, IDisposable
{
    private readonly Dictionary<string, ICommandExecutor> executors = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string?), BtrfsSnapshotService> services = [];

    /// <summary>The directory holding the snapshots, on the host.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string SnapshotDirectory { get; set; } = SnapshotLocation.DefaultSnapshotDirectory;

    /// <summary>The btrfs filesystem (a path on it, usually its mount point); defaults to the one holding the snapshot directory.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? FileSystem { get; set; }

    /// <summary>The host to work on over SSH: a host name, address, user@host, or a Host alias from the ssh config.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("CN", "HostName")]
    public string? ComputerName { get; set; }

    /// <summary>Closes the connections this invocation opened (also after Ctrl+C).</summary>
    public void Dispose()
    {
        foreach (ICommandExecutor executor in executors.Values)
        {
            executor.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(10));
        }

        executors.Clear();
        GC.SuppressFinalize(this);
    }

    /// <summary>The snapshot service for a host and snapshot directory, connecting on first use.</summary>
    protected async Task<BtrfsSnapshotService> GetServiceAsync(string? computerName, string? snapshotDirectory, CancellationToken cancellationToken)
    {
        string key = computerName ?? string.Empty;
        string directory = snapshotDirectory ?? SnapshotDirectory;

        // Locally the paths are the user's and resolve like every other local path (against the current
        // location; other providers refused); over SSH they are paths on the remote host and go as given.
        bool local = string.IsNullOrEmpty(computerName);
        if (local)
        {
            directory = ResolveLocalPath(directory)!;
        }

        if (services.TryGetValue((key, directory), out BtrfsSnapshotService? existing))
        {
            return existing;
        }

        if (!executors.TryGetValue(key, out ICommandExecutor? executor))
        {
            executor = await BtrfsHostConnection.OpenAsync(computerName, ConnectionOptionsFor, this, cancellationToken).ConfigureAwait(false);
            executors[key] = executor;
        }

        var location = new SnapshotLocation
        {
            SnapshotDirectory = directory,
            FileSystem = local ? ResolveLocalPath(FileSystem) : FileSystem,
        };
        var service = new BtrfsSnapshotService(executor, location, local ? null : computerName);
        services[(key, directory)] = service;
        return service;
    }

    /// <summary>Errors that stop everything: nothing else on that host can succeed either.</summary>
    protected static bool IsHostWide(DiskToolsException e) => e.ErrorId is
        ErrorIds.HostUnreachable or ErrorIds.SshHostKeyMismatch or ErrorIds.SshHostKeyUnknown or ErrorIds.SshHostKeyRevoked
        or ErrorIds.SshAuthenticationFailed or ErrorIds.SshConnectionLost or ErrorIds.InvalidSshConfig
        or ErrorIds.BtrfsProgsNotFound or ErrorIds.NotBtrfsFileSystem or ErrorIds.BtrfsPermissionDenied
        or ErrorIds.SnapshotDirectoryNotFound or ErrorIds.SnapshotDirectoryOnOtherFileSystem or ErrorIds.FileSystemPathNotFound;

    /// <summary>A local path argument resolved against the current PowerShell location.</summary>
    private string? ResolveLocalPath(string? path)
        => path is null ? null : PathResolver.ResolveLocalFile(this, path);
}
