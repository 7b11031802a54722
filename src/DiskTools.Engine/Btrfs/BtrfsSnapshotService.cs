using DiskTools.Engine.Remoting;

namespace DiskTools.Engine.Btrfs;

/// <summary>
/// Creates, lists and removes read-only btrfs snapshots through an <see cref="ICommandExecutor"/>, so it
/// behaves the same on this machine and over SSH. It learns the host's layout from the host itself
/// (/proc/self/mountinfo, realpath, btrfs subvolume list) and caches it for the life of the instance;
/// create one per operation or call <see cref="RefreshAsync"/> after changing mounts. Calls on one instance
/// must not overlap (await each before the next); separate instances may run concurrently.
/// </summary>
public sealed class BtrfsSnapshotService
{
    private const int TargetExistsExitCode = 17;

    private const string CreateScript =
        "if [ -e \"$2\" ] || [ -L \"$2\" ]; then exit 17; fi\n" +
        "btrfs subvolume snapshot -r -- \"$1\" \"$2\" >/dev/null || exit\n" +
        "exec env TZ=UTC0 LC_ALL=C btrfs subvolume show -- \"$2\"";

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(10);
    private readonly ICommandExecutor executor;
    private readonly string? computerName;
    private readonly SemaphoreSlim layoutGate = new(1, 1);
    private HostLayout? layout;

    /// <param name="executor">Where the commands run.</param>
    /// <param name="location">The filesystem and snapshot directory; defaults to / and /.snapshots.</param>
    /// <param name="computerName">Recorded on every snapshot as <see cref="BtrfsSnapshot.ComputerName"/> (how the host was reached).</param>
    public BtrfsSnapshotService(ICommandExecutor executor, SnapshotLocation? location = null, string? computerName = null)
    {
        this.executor = executor ?? throw new ArgumentNullException(nameof(executor));
        Location = location ?? new SnapshotLocation();
        this.computerName = computerName;
    }

    public SnapshotLocation Location { get; }

    /// <summary>Forgets the cached layout (mounts, subvolumes) so the next call reads it again.</summary>
    public Task RefreshAsync(CancellationToken cancellationToken)
    {
        layout = null;
        return GetLayoutAsync(cancellationToken);
    }

    /// <summary>The filesystem's top-level subvolumes (what -Subvolume accepts), with where each is reachable.</summary>
    public async Task<IReadOnlyList<BtrfsSubvolume>> ListSubvolumesAsync(CancellationToken cancellationToken)
    {
        HostLayout host = await GetLayoutAsync(cancellationToken).ConfigureAwait(false);
        return host.Subvolumes
            .Where(s => s.TopLevel == SubvolumeListEntry.TopLevelId && !s.Path.Contains('/', StringComparison.Ordinal))
            .Select(s => new BtrfsSubvolume(s.Path, s.Id, s.Uuid, host.Mounts.Locate(host.Device, "/" + s.Path)))
            .OrderBy(s => s.Name, StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>
    /// The subvolume whose snapshot holds <paramref name="path"/> on the host: its path below the top level
    /// (e.g. "@home"; "" for the top level itself) — the innermost subvolume containing the path, since a
    /// snapshot never descends into a nested one. Null when the path is not on this btrfs filesystem. The
    /// path need not exist yet: symbolic links in the part that does are resolved on the host.
    /// </summary>
    public async Task<string?> FindSubvolumeAsync(string path, CancellationToken cancellationToken)
    {
        HostLayout host = await GetLayoutAsync(cancellationToken).ConfigureAwait(false);
        CommandResult resolved = await executor.RunAsync(CommandLine.Create("realpath", "-m", "--", path), CommandTimeout, cancellationToken).ConfigureAwait(false);
        if (!resolved.Succeeded)
        {
            throw new DiskToolsException(ErrorIds.FileSystemPathNotFound, ErrorKind.ObjectNotFound, $"Cannot resolve {path} on {host.HostName}: {resolved.StandardError.Trim()}", path);
        }

        string real = resolved.StandardOutput.TrimEnd('\n');
        MountEntry? mount = host.Mounts.MountContaining(real);
        if (mount is null || mount.FileSystemType != "btrfs" || mount.Device != host.Device)
        {
            return null;
        }

        string inFileSystem = (mount.Root.TrimEnd('/') + real[mount.MountPoint.TrimEnd('/').Length..]).Trim('/');
        return host.Subvolumes
            .Select(s => s.Path)
            .Where(p => inFileSystem == p || inFileSystem.StartsWith(p + "/", StringComparison.Ordinal))
            .OrderByDescending(p => p.Length)
            .FirstOrDefault() ?? string.Empty;
    }

    /// <summary>
    /// Resolves where a snapshot would come from and go, checking the subvolume and the name, without
    /// changing anything — what a confirmation prompt should show. Pass a request with a fixed
    /// <see cref="SnapshotRequest.Timestamp"/> so <see cref="CreateAsync"/> makes exactly this snapshot.
    /// </summary>
    public async Task<PlannedSnapshot> PlanCreateAsync(SnapshotRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!SnapshotName.IsValidSubvolume(request.Subvolume, out string? why))
        {
            throw new DiskToolsException(ErrorIds.InvalidSnapshotArgument, ErrorKind.InvalidArgument, $"'{request.Subvolume}' is not a usable subvolume name: {why}", request.Subvolume);
        }

        if (!SnapshotName.IsValidSessionId(request.SessionId))
        {
            throw new DiskToolsException(ErrorIds.InvalidSnapshotArgument, ErrorKind.InvalidArgument, $"'{request.SessionId}' is not a session id: expected 8 hexadecimal digits.", request.SessionId);
        }

        HostLayout host = await GetLayoutAsync(cancellationToken).ConfigureAwait(false);
        string source = ResolveSubvolume(host, request.Subvolume);
        string name = SnapshotName.Format(request.Subvolume, request.Phase, request.Timestamp ?? DateTime.UtcNow, request.SessionId);
        string destination = host.SnapshotDirectory.TrimEnd('/') + "/" + name;
        if (host.Subvolumes.Any(s => s.Path == RelativeToTop(host, name)))
        {
            throw AlreadyExists(host, name, destination);
        }

        return new PlannedSnapshot(name, source, destination, host.HostName);
    }

    /// <summary>Takes a read-only snapshot of a top-level subvolume into the snapshot directory.</summary>
    /// <exception cref="DiskToolsException">SubvolumeNotFound, SubvolumeNotMounted, SnapshotAlreadyExists, BtrfsPermissionDenied, … (see <see cref="BtrfsErrors"/>).</exception>
    public async Task<BtrfsSnapshot> CreateAsync(SnapshotRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request = request.Timestamp is null ? request with { Timestamp = DateTime.UtcNow } : request;
        PlannedSnapshot plan = await PlanCreateAsync(request, cancellationToken).ConfigureAwait(false);
        HostLayout host = await GetLayoutAsync(cancellationToken).ConfigureAwait(false);
        (string name, string source, string destination) = (plan.Name, plan.SourcePath, plan.Path);
        string relative = RelativeToTop(host, name);

        // One round trip: check the target on the host (a plain directory of that name would make btrfs put
        // the snapshot inside it), snapshot, and describe the result. The script is fixed text; the paths
        // travel as $1 and $2.
        var command = CommandLine.ShellScript(CreateScript, source, destination);
        CommandResult shown = await executor.RunAsync(command, CommandTimeout, cancellationToken).ConfigureAwait(false);
        if (shown.ExitCode == TargetExistsExitCode)
        {
            throw AlreadyExists(host, name, destination);
        }

        if (!shown.Succeeded)
        {
            throw BtrfsErrors.FromCommand(shown, new CommandLine("btrfs", ["subvolume", "snapshot", "-r", "--", source, destination]), host.HostName, destination);
        }

        SubvolumeDetails details = SubvolumeShow.Parse(shown.StandardOutput);

        // Keep the cached listing current instead of listing the whole filesystem again.
        var entry = new SubvolumeListEntry(details.Id, details.Generation, 0, details.ParentUuid, details.Uuid, relative, details.CreatedUtc);
        HostLayout updated = host with
        {
            Subvolumes = [.. host.Subvolumes, entry],
            ReadOnlyIds = details.ReadOnly ? new HashSet<long>(host.ReadOnlyIds) { details.Id } : host.ReadOnlyIds,
        };
        layout = updated;
        SnapshotName.TryParse(name, out SnapshotNameParts parts);
        return Describe(updated, entry, name, parts);
    }

    /// <summary>The snapshots in the snapshot directory whose names follow the pattern, newest first.</summary>
    public async Task<IReadOnlyList<BtrfsSnapshot>> ListAsync(SnapshotFilter? filter, CancellationToken cancellationToken)
    {
        HostLayout host = await GetLayoutAsync(cancellationToken).ConfigureAwait(false);
        string prefix = host.SnapshotDirectoryInFileSystem.Length == 0 ? string.Empty : host.SnapshotDirectoryInFileSystem + "/";
        var snapshots = new List<BtrfsSnapshot>();
        foreach (SubvolumeListEntry entry in host.Subvolumes)
        {
            if (!entry.Path.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            string name = entry.Path[prefix.Length..];
            if (name.Contains('/', StringComparison.Ordinal) || !SnapshotName.TryParse(name, out SnapshotNameParts parts))
            {
                continue;
            }

            BtrfsSnapshot snapshot = Describe(host, entry, name, parts);
            if (filter is null || filter.Matches(snapshot))
            {
                snapshots.Add(snapshot);
            }
        }

        return snapshots.OrderByDescending(s => s.Timestamp).ThenBy(s => s.Subvolume, StringComparer.Ordinal).ThenBy(s => s.Name, StringComparer.Ordinal).ToArray();
    }

    /// <summary>
    /// Deletes one snapshot. Refuses anything whose name does not follow the pattern, that is not directly in
    /// this service's snapshot directory, or that is not a subvolume there — whatever the caller passes.
    /// </summary>
    /// <exception cref="DiskToolsException">NotADiskToolsSnapshot, SnapshotNotFound, BtrfsPermissionDenied, …</exception>
    public async Task RemoveAsync(BtrfsSnapshot snapshot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        HostLayout host = await GetLayoutAsync(cancellationToken).ConfigureAwait(false);
        string name = snapshot.Name;
        string directory = snapshot.Path[..Math.Max(0, snapshot.Path.Length - name.Length)].TrimEnd('/');
        if (!SnapshotName.TryParse(name, out _))
        {
            throw new DiskToolsException(ErrorIds.NotADiskToolsSnapshot, ErrorKind.InvalidArgument,
                $"'{snapshot.Path}' does not follow the snapshot naming pattern <subvolume>-<phase>-<yyyyMMddTHHmmss>-<session>; DiskTools never deletes it.", snapshot.Path);
        }

        if (!string.Equals(directory.Length == 0 ? "/" : directory, host.SnapshotDirectory.TrimEnd('/') is { Length: > 0 } d ? d : "/", StringComparison.Ordinal))
        {
            throw new DiskToolsException(ErrorIds.NotADiskToolsSnapshot, ErrorKind.InvalidArgument,
                $"'{snapshot.Path}' is not in the snapshot directory {host.SnapshotDirectory} on {host.HostName}; pass -SnapshotDirectory to remove it there.", snapshot.Path);
        }

        string relative = host.SnapshotDirectoryInFileSystem.Length == 0 ? name : host.SnapshotDirectoryInFileSystem + "/" + name;
        if (!host.Subvolumes.Any(s => s.Path == relative))
        {
            throw new DiskToolsException(ErrorIds.SnapshotNotFound, ErrorKind.ObjectNotFound,
                $"There is no snapshot '{name}' in {host.SnapshotDirectory} on {host.HostName}.", snapshot.Path);
        }

        await RunBtrfsAsync(host.HostName, snapshot.Path, cancellationToken, "subvolume", "delete", "--", snapshot.Path).ConfigureAwait(false);
        layout = host with { Subvolumes = host.Subvolumes.Where(s => s.Path != relative).ToArray() };
    }

    /// <summary>A snapshot as the host's listing describes it.</summary>
    private BtrfsSnapshot Describe(HostLayout host, SubvolumeListEntry entry, string name, SnapshotNameParts parts) => new()
    {
        Subvolume = parts.Subvolume,
        Phase = parts.Phase,
        Timestamp = parts.Timestamp,
        CreatedAt = entry.CreatedUtc,
        SessionId = parts.SessionId,
        Host = host.HostName,
        Path = host.SnapshotDirectory.TrimEnd('/') + "/" + name,
        ReadOnly = host.ReadOnlyIds.Contains(entry.Id),
        Uuid = entry.Uuid,
        ParentUuid = entry.ParentUuid,
        Generation = entry.Generation,
        SubvolumeId = entry.Id,
        ComputerName = computerName,
    };

    private static string ResolveSubvolume(HostLayout host, string subvolume)
    {
        SubvolumeListEntry? entry = host.Subvolumes.FirstOrDefault(s => s.TopLevel == SubvolumeListEntry.TopLevelId && s.Path == subvolume);
        if (entry is null)
        {
            string available = string.Join(", ", host.Subvolumes.Where(s => s.TopLevel == SubvolumeListEntry.TopLevelId).Select(s => s.Path).Order(StringComparer.Ordinal));
            throw new DiskToolsException(ErrorIds.SubvolumeNotFound, ErrorKind.ObjectNotFound,
                $"There is no top-level subvolume '{subvolume}' on the btrfs filesystem at {host.FileSystemMountPoint} on {host.HostName}. Top-level subvolumes: {(available.Length == 0 ? "(none)" : available)}.",
                subvolume);
        }

        return host.Mounts.Locate(host.Device, "/" + subvolume)
            ?? throw new DiskToolsException(ErrorIds.SubvolumeNotMounted, ErrorKind.ObjectNotFound,
                $"The subvolume '{subvolume}' exists on {host.HostName} but no mount exposes it (neither it nor the top level, subvolid=5, is mounted).", subvolume);
    }

    private async Task<HostLayout> GetLayoutAsync(CancellationToken cancellationToken)
    {
        if (layout is { } cached)
        {
            return cached;
        }

        await layoutGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (layout is { } again)
            {
                return again;
            }

            layout = await ReadLayoutAsync(cancellationToken).ConfigureAwait(false);
            return layout;
        }
        finally
        {
            layoutGate.Release();
        }
    }

    private async Task<HostLayout> ReadLayoutAsync(CancellationToken cancellationToken)
    {
        Task<string> hostName = executor.GetHostNameAsync(cancellationToken);
        Task<CommandResult> mountText = executor.RunAsync(CommandLine.Create("cat", "/proc/self/mountinfo"), CommandTimeout, cancellationToken);
        string fileSystemPath = Location.FileSystem ?? Location.SnapshotDirectory;
        Task<string> fileSystem = RealPathAsync(fileSystemPath, hostName, isSnapshotDirectory: fileSystemPath == Location.SnapshotDirectory, cancellationToken);
        Task<string> snapshotDirectory = RealPathAsync(Location.SnapshotDirectory, hostName, isSnapshotDirectory: true, cancellationToken);
        await Task.WhenAll(hostName, mountText, fileSystem, snapshotDirectory).ConfigureAwait(false);

        string host = hostName.Result;
        MountInfo mounts = MountInfo.Parse(mountText.Result.StandardOutput);
        MountEntry fsMount = mounts.MountContaining(fileSystem.Result)
            ?? throw new DiskToolsException(ErrorIds.NotBtrfsFileSystem, ErrorKind.InvalidArgument, $"No mount holds {fileSystem.Result} on {host}.", fileSystemPath);
        if (fsMount.FileSystemType != "btrfs")
        {
            throw new DiskToolsException(ErrorIds.NotBtrfsFileSystem, ErrorKind.InvalidArgument,
                $"{fileSystemPath} on {host} is on a {fsMount.FileSystemType} filesystem (mounted at {fsMount.MountPoint}), not btrfs.", fileSystemPath);
        }

        MountEntry? dirMount = mounts.MountContaining(snapshotDirectory.Result);
        if (dirMount is null || dirMount.FileSystemType != "btrfs" || dirMount.Device != fsMount.Device)
        {
            throw new DiskToolsException(ErrorIds.SnapshotDirectoryOnOtherFileSystem, ErrorKind.InvalidArgument,
                $"The snapshot directory {Location.SnapshotDirectory} on {host} is on {(dirMount is null ? "no mount" : $"{dirMount.Source} ({dirMount.FileSystemType}, mounted at {dirMount.MountPoint})")}, " +
                $"not on the btrfs filesystem {fsMount.Source} of {fileSystemPath}; snapshots can only be created on the filesystem of their subvolume.",
                Location.SnapshotDirectory);
        }

        // The directory as btrfs subvolume list names paths: relative to the top level, e.g. "@/.snapshots".
        string inFileSystem = (dirMount.Root.TrimEnd('/') + snapshotDirectory.Result[dirMount.MountPoint.TrimEnd('/').Length..]).Trim('/');
        // Both listings at once: all subvolumes, and which of them are read-only (-r filters on the flag).
        Task<CommandResult> listed = RunBtrfsAsync(host, fsMount.MountPoint, cancellationToken, "subvolume", "list", "-a", "-u", "-q", "--", fsMount.MountPoint);
        Task<CommandResult> readOnly = RunBtrfsAsync(host, fsMount.MountPoint, cancellationToken, "subvolume", "list", "-a", "-r", "--", fsMount.MountPoint);
        // The creation times (otime) btrfs records, which only the snapshot listing (-s) shows, in the
        // command's local time: TZ=UTC0 makes that UTC whatever the host's zone.
        Task<CommandResult> created = RunAsync(host, fsMount.MountPoint, cancellationToken,
            new CommandLine("env", ["TZ=UTC0", "LC_ALL=C", "btrfs", "subvolume", "list", "-a", "-s", "--", fsMount.MountPoint]));
        await Task.WhenAll(listed, readOnly, created).ConfigureAwait(false);
        var createdById = SubvolumeListing.Parse(created.Result.StandardOutput)
            .Where(e => e.CreatedUtc is not null).ToDictionary(e => e.Id, e => e.CreatedUtc);
        var subvolumes = SubvolumeListing.Parse(listed.Result.StandardOutput)
            .Select(e => createdById.TryGetValue(e.Id, out DateTime? otime) ? e with { CreatedUtc = otime } : e).ToArray();
        var readOnlyIds = SubvolumeListing.Parse(readOnly.Result.StandardOutput).Select(e => e.Id).ToHashSet();
        return new HostLayout(host, mounts, fsMount.Device, fsMount.MountPoint, snapshotDirectory.Result, inFileSystem, subvolumes, readOnlyIds);
    }

    private async Task<string> RealPathAsync(string path, Task<string> hostName, bool isSnapshotDirectory, CancellationToken cancellationToken)
    {
        if (!path.StartsWith('/'))
        {
            throw new DiskToolsException(ErrorIds.InvalidSnapshotArgument, ErrorKind.InvalidArgument, $"'{path}' must be an absolute path on the host.", path);
        }

        CommandResult result = await executor.RunAsync(CommandLine.Create("realpath", "-e", "--", path), CommandTimeout, cancellationToken).ConfigureAwait(false);
        if (result.Succeeded)
        {
            return result.StandardOutput.TrimEnd('\n');
        }

        string host = await hostName.ConfigureAwait(false);
        throw isSnapshotDirectory
            ? new DiskToolsException(ErrorIds.SnapshotDirectoryNotFound, ErrorKind.ObjectNotFound,
                $"The snapshot directory {path} does not exist on {host}. Create it on the btrfs filesystem first (e.g. btrfs subvolume create {path}).", path)
            : new DiskToolsException(ErrorIds.FileSystemPathNotFound, ErrorKind.ObjectNotFound, $"{path} does not exist on {host}: {result.StandardError.Trim()}", path);
    }

    private static string RelativeToTop(HostLayout host, string name)
        => host.SnapshotDirectoryInFileSystem.Length == 0 ? name : host.SnapshotDirectoryInFileSystem + "/" + name;

    private static DiskToolsException AlreadyExists(HostLayout host, string name, string destination)
        => new(ErrorIds.SnapshotAlreadyExists, ErrorKind.ResourceExists,
            $"A snapshot named '{name}' already exists in {host.SnapshotDirectory} on {host.HostName}.", destination);

    private Task<CommandResult> RunBtrfsAsync(string host, object target, CancellationToken cancellationToken, params string[] arguments)
        => RunAsync(host, target, cancellationToken, new CommandLine("btrfs", arguments));

    private async Task<CommandResult> RunAsync(string host, object target, CancellationToken cancellationToken, CommandLine command)
    {
        CommandResult result = await executor.RunAsync(command, CommandTimeout, cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? result : throw BtrfsErrors.FromCommand(result, command, host, target);
    }

    /// <summary>What the engine learned about the host.</summary>
    private sealed record HostLayout(
        string HostName,
        MountInfo Mounts,
        string Device,
        string FileSystemMountPoint,
        string SnapshotDirectory,
        string SnapshotDirectoryInFileSystem,
        IReadOnlyList<SubvolumeListEntry> Subvolumes,
        IReadOnlySet<long> ReadOnlyIds);
}
