using DiskTools.Engine.Btrfs;
using DiskTools.Engine.Remoting;
using DiskTools.Engine.Sync.Config;
using DiskTools.Engine.Sync.Logging;
using DiskTools.Engine.Sync.Safety;

namespace DiskTools.Engine.Sync.Jobs;

/// <summary>
/// folder_sync: copies folders from the source to the target with rsync over SSH, preserving everything a
/// restore needs (-aHAX --numeric-ids: permissions, times, owners by number, hard links, ACLs, xattrs).
/// Files the source no longer has are deleted on the target only when the folder (or the job) says
/// delete: true. Each folder may name a filter file (rsync filter rules, merged on the source).
/// Progress comes from --info=progress2; every itemized change (-i) is logged at FULL.
/// </summary>
public sealed class FolderSyncJob() : SyncJob(JobName, Summary)
{
    public const string JobName = "folder_sync";

    private const string Summary = "Copies folders to the target with rsync over SSH.";

    private readonly List<string> remotePidFiles = [];
    private JobContext? activeContext;

    /// <summary>The first folder's rsync, started during validation and held at its gate; null once taken or discarded.</summary>
    private StartedRsync? prepared;

    private int gatesMade;

    public static SyncJobDefinition Definition { get; } = new(
        JobName,
        Summary,
        ConfigSchema.Map(
            ConfigSchema.Field("delete", ConfigSchema.Bool()),
            ConfigSchema.Field("bwlimit_kib", ConfigSchema.Int(0, int.MaxValue)),
            ConfigSchema.Field("folders", ConfigSchema.List(FolderSchema(), minItems: 1), required: true)),
        () => new FolderSyncJob());

    private static MapSchema FolderSchema()
        => ConfigSchema.Map(
                ConfigSchema.Field("path", ConfigSchema.AbsolutePath()),
                ConfigSchema.Field("source", ConfigSchema.AbsolutePath()),
                ConfigSchema.Field("target", ConfigSchema.AbsolutePath()),
                ConfigSchema.Field("filter", ConfigSchema.Nullable(ConfigSchema.AbsolutePath())),
                ConfigSchema.Field("delete", ConfigSchema.Bool()),
                ConfigSchema.Field("delete_without_snapshot", ConfigSchema.Bool()))
            .WithRule(f => f.Has("path") == (f.Has("source") || f.Has("target"))
                ? "give either 'path' (the same on both hosts) or 'source' and 'target'"
                : !f.Has("path") && !(f.Has("source") && f.Has("target")) ? "give both 'source' and 'target'" : null);

    /// <summary>One folder to copy, resolved from the config.</summary>
    /// <param name="DeleteWithoutSnapshot">delete: true is allowed although no snapshot of the session holds the target (warned every run).</param>
    public sealed record Folder(string Source, string Target, string? Filter, bool Delete, bool DeleteWithoutSnapshot = false);

    public static IReadOnlyList<Folder> FoldersOf(ConfigSection config)
    {
        bool deleteDefault = config.GetBool("delete", false);
        return [.. config.GetSections("folders").Select(f => new Folder(
            f.GetString("source") ?? f.GetString("path")!,
            f.GetString("target") ?? f.GetString("path")!,
            f.GetString("filter"),
            f.GetBool("delete", deleteDefault),
            f.GetBool("delete_without_snapshot", false)))];
    }

    /// <summary>rsync filter rules that keep DiskTools' own directories out of each folder's transfer, by folder index.</summary>
    private Dictionary<int, IReadOnlyList<string>>? builtInExcludes;

    public override IEnumerable<string> Plan(JobContext context)
        => FoldersOf(context.Config).Select(f =>
            $"{Name}: {context.SourceHostname}:{f.Source} -> {context.TargetHostname}:{f.Target}"
            + (f.Delete ? " (deleting extra files on the target)" : string.Empty)
            + (f.Filter is null ? string.Empty : $" with filter {f.Filter}"));

    public override async Task<IReadOnlyList<ValidationProblem>> ValidateAsync(JobContext context, CancellationToken cancellationToken)
    {
        var problems = new List<ValidationProblem>();
        void Problem(SyncHost host, string message) => problems.Add(new ValidationProblem(Name, host, context.HostnameOf(host), message));
        if (context.TargetEndpoint?.Rsync is null)
        {
            Problem(SyncHost.Target, "no SSH endpoint to run rsync over");
        }
        else if (RsyncTransport.Unsupported(context.TargetEndpoint.Options, context.TargetEndpoint.Resolved) is string why)
        {
            Problem(SyncHost.Target, why);
        }

        if (problems.Count > 0)
        {
            return problems;
        }

        IReadOnlyList<Folder> folders = FoldersOf(context.Config);
        var targetExists = new bool[folders.Count];
        for (int i = 0; i < folders.Count; i++)
        {
            Folder folder = folders[i];
            if (!await TestAsync(context.Source, "-d", folder.Source, cancellationToken).ConfigureAwait(false))
            {
                Problem(SyncHost.Source, $"folder '{folder.Source}' does not exist or is not a directory");
            }

            if (folder.Filter is not null && !await TestAsync(context.Source, "-f", folder.Filter, cancellationToken).ConfigureAwait(false))
            {
                Problem(SyncHost.Source, $"filter file '{folder.Filter}' does not exist");
            }

            string parent = ParentOf(folder.Target);
            targetExists[i] = await TestAsync(context.Target, "-d", folder.Target, cancellationToken).ConfigureAwait(false);
            if (!targetExists[i] && !await TestAsync(context.Target, "-d", parent, cancellationToken).ConfigureAwait(false))
            {
                Problem(SyncHost.Target, $"neither '{folder.Target}' nor its parent '{parent}' exists");
            }
        }

        (IReadOnlyList<string> realTargets, IReadOnlyList<(string Path, string What)> targetReserved) =
            await ResolveAsync(context, SyncHost.Target, [.. folders.Select(f => f.Target)], cancellationToken).ConfigureAwait(false);
        (IReadOnlyList<string> realSources, IReadOnlyList<(string Path, string What)> sourceReserved) =
            await ResolveAsync(context, SyncHost.Source, [.. folders.Select(f => f.Source)], cancellationToken).ConfigureAwait(false);

        var excludes = new Dictionary<int, IReadOnlyList<string>>();
        for (int i = 0; i < folders.Count; i++)
        {
            Folder folder = folders[i];
            string target = realTargets[i];
            if (target == "/")
            {
                Problem(SyncHost.Target, $"'{folder.Target}' is the root directory; a folder_sync target must be a directory below it");
            }

            foreach ((string reserved, string what) in targetReserved)
            {
                if (target == reserved || MountInfo.IsUnder(target, reserved))
                {
                    Problem(SyncHost.Target, $"'{folder.Target}' is {(target == reserved ? string.Empty : "inside ")}{what} ({reserved}); DiskTools never syncs into it");
                }
            }

            excludes[i] = [.. ExcludesFor(realSources[i], sourceReserved).Concat(ExcludesFor(target, targetReserved)).Distinct(StringComparer.Ordinal)];
            await CheckUndoableAsync(context, folder, Problem, cancellationToken).ConfigureAwait(false);
        }

        builtInExcludes = excludes;
        if (problems.Count == 0)
        {
            await PrepareFirstAsync(context, folders[0], cancellationToken).ConfigureAwait(false);
            problems.AddRange(await EstimateAsync(context, folders, realTargets, targetExists, cancellationToken).ConfigureAwait(false));
        }

        return problems;
    }

    /// <summary>
    /// delete: true is only allowed where the session's own snapshots can undo it: the target folder must lie
    /// in one of the snapshotted subvolumes on the target (not in a subvolume nested below one, which a
    /// snapshot does not include). delete_without_snapshot: true accepts the risk, with a WARNING every run.
    /// </summary>
    private static async Task CheckUndoableAsync(JobContext context, Folder folder, Action<SyncHost, string> problem, CancellationToken cancellationToken)
    {
        if (!folder.Delete)
        {
            return;
        }

        SnapshotConfig snapshots = context.SessionConfig.Snapshots;
        string? holder;
        string where;
        try
        {
            var service = new BtrfsSnapshotService(context.Target,
                new SnapshotLocation { FileSystem = snapshots.FileSystem.Target, SnapshotDirectory = snapshots.SnapshotDirectory.Target }, context.TargetHostname);
            holder = await service.FindSubvolumeAsync(folder.Target, cancellationToken).ConfigureAwait(false);
            where = holder is null ? "not on the btrfs file system the session snapshots" : holder.Length == 0 ? "in the file system's top level, which is no snapshotted subvolume" : $"in the subvolume '{holder}'";
        }
        catch (DiskToolsException e)
        {
            holder = null;
            where = "in no subvolume DiskTools could find (" + e.Message + ")";
        }

        if (holder is not null && snapshots.Subvolumes.Contains(holder, StringComparer.Ordinal))
        {
            return;
        }

        string message = $"'{folder.Target}' has delete: true but is {where}; the session snapshots only {string.Join(", ", snapshots.Subvolumes)} on the target, so a deletion there could not be undone";
        if (folder.DeleteWithoutSnapshot)
        {
            context.Log(SyncHost.Target, LogLevel.Warning, message + " (allowed by delete_without_snapshot: true)", Fields(("target_folder", folder.Target)));
        }
        else
        {
            problem(SyncHost.Target, message + "; snapshot that subvolume, or set delete_without_snapshot: true on the folder to accept it");
        }
    }

    /// <summary>
    /// Resolves <paramref name="paths"/> on a host (symbolic links followed, missing parts kept) together with
    /// the directories DiskTools keeps for itself there: the snapshot directory, its data and log directory
    /// ($XDG_DATA_HOME/disktools, ~/.local/share/disktools), its state directory and every place its lock may live.
    /// </summary>
    private static async Task<(IReadOnlyList<string> Paths, IReadOnlyList<(string Path, string What)> Reserved)> ResolveAsync(
        JobContext context, SyncHost host, IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        const string script = """
            n=$1; shift
            u=$(id -u)
            case ${XDG_DATA_HOME:-} in /*) set -- "$@" "$XDG_DATA_HOME/disktools";; esac
            case ${HOME:-} in /*) set -- "$@" "$HOME/.local/share/disktools";; esac
            case ${DISKTOOLS_RUNTIME_DIR:-} in /*) set -- "$@" "$DISKTOOLS_RUNTIME_DIR";; esac
            case ${HOME:-} in /*) set -- "$@" "$HOME/.local/state/disktools";; esac
            set -- "$@" /run/disktools "/run/user/$u/disktools"
            exec realpath -m -z -- "$@"
            """;
        string snapshotDirectory = context.SessionConfig.Snapshots.SnapshotDirectory.For(host);
        IReadOnlyList<string> own = host == SyncHost.Source ? context.SourceReservedDirectories
            : context.TargetPrivateDirectory is { } lockDirectory ? [lockDirectory] : [];
        string[] given = [.. paths, snapshotDirectory, .. own];
        CommandResult result = await context.On(host).RunAsync(
            CommandLine.ShellScript(script, [given.Length.ToString(CultureInfo.InvariantCulture), .. given]), TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        string[] resolved = result.StandardOutput.Split('\0', StringSplitOptions.RemoveEmptyEntries);
        if (!result.Succeeded || resolved.Length < given.Length)
        {
            throw new DiskToolsException(ErrorIds.SyncPathUnresolved, ErrorKind.ReadError,
                $"Cannot resolve the folder paths on {context.HostnameOf(host)}: {result.StandardError.Trim()}", context.HostnameOf(host));
        }

        var reserved = new List<(string, string)> { (resolved[paths.Count], "the snapshot directory") };
        reserved.AddRange(resolved.Skip(paths.Count + 1).Select(r => (r, "a directory DiskTools keeps its own data, logs or locks in")));
        return (resolved[..paths.Count], reserved);
    }

    /// <summary>Filter rules excluding every reserved directory below <paramref name="folder"/>, anchored at the transfer root.</summary>
    private static IEnumerable<string> ExcludesFor(string folder, IReadOnlyList<(string Path, string What)> reserved)
    {
        foreach ((string path, _) in reserved)
        {
            if (path != folder && MountInfo.IsUnder(path, folder))
            {
                string relative = path[folder.TrimEnd('/').Length..];
                // rsync reads * ? [ as wildcards, and then a backslash escapes them; without one, it is literal.
                string pattern = relative.IndexOfAny(['*', '?', '[']) < 0
                    ? relative
                    : string.Concat(relative.Select(c => c is '*' or '?' or '[' or ']' or '\\' ? "\\" + c : c.ToString()));
                yield return "- " + pattern + "/";
            }
        }
    }

    /// <summary>
    /// Preflight: how many bytes the folders would bring to the target, and whether the target's file systems
    /// would stay above the runtime minimum after receiving them. An upper bound comes first — everything in
    /// the folders as du counts it on the source, every hard link and directory included, which no transfer
    /// can exceed (filters only leave things out) — and when even that fits, the check passes without rsync's
    /// dry run, saving its ssh login and its walk of both trees. Otherwise the dry run's statistics decide.
    /// </summary>
    private async Task<IReadOnlyList<ValidationProblem>> EstimateAsync(JobContext context, IReadOnlyList<Folder> folders, IReadOnlyList<string> realTargets,
        bool[] targetExists, CancellationToken cancellationToken)
    {
        var spaces = new (string Mount, long Total, long Free)[folders.Count];
        for (int i = 0; i < folders.Count; i++)
        {
            spaces[i] = await TargetSpaceAsync(context, targetExists[i] ? realTargets[i] : ParentOf(realTargets[i]), cancellationToken).ConfigureAwait(false);
        }

        if (await SourceSizesAsync(context, folders, cancellationToken).ConfigureAwait(false) is { } bounds
            && Shortfalls(context, folders, spaces, bounds).Count == 0)
        {
            LogEstimates(context, folders, bounds, "at most");
            return [];
        }

        long[] incoming = new long[folders.Count];
        for (int i = 0; i < folders.Count; i++)
        {
            incoming[i] = await DryRunBytesAsync(context, folders[i], i, cancellationToken).ConfigureAwait(false);
        }

        LogEstimates(context, folders, incoming, "about");
        return Shortfalls(context, folders, spaces, incoming);
    }

    private static async Task<(string Mount, long Total, long Free)> TargetSpaceAsync(JobContext context, string measured, CancellationToken cancellationToken)
    {
        CommandResult df = await context.Target.RunAsync(CommandLine.Create("df", "-B1", "--output=size,avail,target", "--", measured), TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        string[] lines = df.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string[] fields = lines.Length >= 2 ? lines[1].Trim().Split(' ', 3, StringSplitOptions.RemoveEmptyEntries) : [];
        if (!df.Succeeded || fields.Length < 3 || !long.TryParse(fields[0], CultureInfo.InvariantCulture, out long total) || !long.TryParse(fields[1], CultureInfo.InvariantCulture, out long free))
        {
            throw new DiskToolsException(ErrorIds.DiskSpaceUnknown, ErrorKind.ReadError, $"Cannot measure free space of '{measured}' on {context.TargetHostname}: {df.StandardError.Trim()}", measured);
        }

        return (fields[2].Trim(), total, free);
    }

    /// <summary>The apparent size of each source folder (hard links counted each time), or null when du cannot tell (a part it may not read, no GNU du).</summary>
    private static async Task<long[]?> SourceSizesAsync(JobContext context, IReadOnlyList<Folder> folders, CancellationToken cancellationToken)
    {
        CommandResult du = await context.Source.RunAsync(
            new CommandLine("du", ["-s", "-l", "-B1", "--apparent-size", "--", .. folders.Select(f => f.Source)]), TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        string[] lines = du.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (!du.Succeeded || lines.Length != folders.Count)
        {
            return null;
        }

        long[] sizes = new long[folders.Count];
        for (int i = 0; i < lines.Length; i++)
        {
            int tab = lines[i].IndexOf('\t', StringComparison.Ordinal);
            if (tab <= 0 || !long.TryParse(lines[i].AsSpan(0, tab), NumberStyles.None, CultureInfo.InvariantCulture, out sizes[i]))
            {
                return null;
            }
        }

        return sizes;
    }

    private static void LogEstimates(JobContext context, IReadOnlyList<Folder> folders, long[] incoming, string precision)
    {
        for (int i = 0; i < folders.Count; i++)
        {
            context.Log(SyncHost.Target, LogLevel.Info, $"Preflight: {folders[i].Source} would bring {precision} {ByteSize.Format(incoming[i])} to {context.TargetHostname}:{folders[i].Target}",
                Fields(("folder", folders[i].Source), ("target_folder", folders[i].Target), ("estimated_bytes", incoming[i])));
        }
    }

    /// <summary>The file systems that would fall below the runtime minimum after receiving <paramref name="incoming"/>.</summary>
    private List<ValidationProblem> Shortfalls(JobContext context, IReadOnlyList<Folder> folders, (string Mount, long Total, long Free)[] spaces, long[] incoming)
    {
        var perFileSystem = new Dictionary<string, (long Total, long Free, long Incoming, List<string> Folders)>(StringComparer.Ordinal);
        for (int i = 0; i < folders.Count; i++)
        {
            (string mount, long total, long free) = spaces[i];
            (long, long, long Incoming, List<string> Folders) entry = perFileSystem.TryGetValue(mount, out var known) ? known : (total, free, 0, []);
            entry.Incoming += incoming[i];
            entry.Folders.Add(folders[i].Target);
            perFileSystem[mount] = entry;
        }

        DiskSpaceValue minimum = context.SessionConfig.Disk.RuntimeMinimum;
        var problems = new List<ValidationProblem>();
        foreach ((string mount, (long total, long free, long bytes, List<string> names)) in perFileSystem)
        {
            long after = free - bytes;
            long threshold = minimum.ThresholdBytes(total);
            if (after < threshold)
            {
                problems.Add(new ValidationProblem(Name, SyncHost.Target, context.TargetHostname,
                    $"copying about {ByteSize.Format(bytes)} ({bytes.ToString("N0", CultureInfo.InvariantCulture)} bytes) into {string.Join(", ", names)} would leave {ByteSize.Format(Math.Max(0, after))} free "
                    + $"of {ByteSize.Format(total)} on the file system at {mount} (now {ByteSize.Format(free)} free), below the runtime minimum {minimum} ({ByteSize.Format(threshold)})"));
            }
        }

        return problems;
    }

    private async Task<long> DryRunBytesAsync(JobContext context, Folder folder, int index, CancellationToken cancellationToken)
    {
        CommandLine command = RsyncCommand(context, folder, index, pidFile: null);
        CommandResult result = await context.Source.RunAsync(command, timeout: null, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode is not (0 or 24))
        {
            throw new RsyncFailedException(folder.Source, result.ExitCode, [.. result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]);
        }

        foreach (string line in result.StandardOutput.Split('\n'))
        {
            const string key = "Total transferred file size:";
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                string digits = new([.. line[key.Length..].TakeWhile(c => c != 'b').Where(char.IsAsciiDigit)]);
                if (long.TryParse(digits, CultureInfo.InvariantCulture, out long bytes))
                {
                    return bytes;
                }
            }
        }

        throw new DiskToolsException(ErrorIds.RsyncStatsMissing, ErrorKind.InvalidData, $"rsync's dry run of '{folder.Source}' printed no transfer statistics.", folder.Source);
    }

    public override async Task ExecuteAsync(JobContext context, CancellationToken cancellationToken)
    {
        activeContext = context;
        IReadOnlyList<Folder> folders = FoldersOf(context.Config);
        for (int i = 0; i < folders.Count; i++)
        {
            await SyncFolderAsync(context, folders[i], i, folders.Count, cancellationToken).ConfigureAwait(false);
        }
    }

    public override async Task AbortAsync(TimeSpan timeout)
    {
        // The local rsync (and its ssh) go with the base class; the rsync server on the target is not a
        // child of anything this session started there, so it is found by the pid it wrote and ended too.
        // Ending the local rsync closes its ssh, and the server on the target ends on that EOF by itself;
        // the pid-file kill is the backstop for a server that does not.
        Interlocked.Exchange(ref prepared, null)?.Gate.Dispose();
        Task local = base.AbortAsync(timeout);
        Task remote = activeContext is { } context ? KillRemoteServersAsync(context, timeout) : Task.CompletedTask;
        await Task.WhenAll(local, remote).ConfigureAwait(false);
    }

    /// <summary>
    /// The rsync prepared during validation, when the transfer does not come (validation failed, -Confirm was
    /// declined, an earlier step failed): its gate shuts, so its ssh and the target's waiting shell end, and the
    /// local rsync is stopped; no rsync server ever started on the target.
    /// </summary>
    public override async Task DiscardAsync(TimeSpan timeout)
    {
        if (Interlocked.Exchange(ref prepared, null) is { } unused && activeContext is { } context)
        {
            await DiscardAsync(context, unused, timeout).ConfigureAwait(false);
        }
    }

    private async Task DiscardAsync(JobContext context, StartedRsync unused, TimeSpan timeout)
    {
        unused.Gate.Dispose();
        await StopAsync(unused.Rsync, TimeSpan.FromTicks(timeout.Ticks / 4)).ConfigureAwait(false);
        await ReleaseAsync(unused.Rsync).ConfigureAwait(false);

        // The target's shell ends by itself on the end-of-file that follows, but it may still be reading its rc
        // files and would end only after the session: it is ended now, found by the pid file's path its
        // command line carries from the start.
        using var deadline = new CancellationTokenSource(timeout);
        if (context.Target is Remoting.Ssh.SshExecutor ssh)
        {
            try
            {
                await ssh.KillMarkedAsync(unused.PidFile, TimeSpan.FromTicks(timeout.Ticks / 4), deadline.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or DiskToolsException or ObjectDisposedException or InvalidOperationException or Renci.SshNet.Common.SshException)
            {
                context.Log(SyncHost.Target, LogLevel.Warning, $"Could not end the shell waiting to start rsync on the target: {e.Message}");
            }
        }

        await RemovePidFileAsync(context, unused.PidFile, deadline.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts the first folder's rsync while the remaining checks and the pre-sync snapshots run: its ssh
    /// login on the target (a login shell and its rc files, often the slowest part of a small transfer) then
    /// overlaps them instead of following them. The gate keeps it from reaching the target until
    /// <see cref="SyncFolderAsync"/> opens it, after the snapshots. Not under -WhatIf, which transfers nothing;
    /// when it cannot be prepared, the transfer starts its rsync itself, as any later folder does.
    /// </summary>
    private async Task PrepareFirstAsync(JobContext context, Folder folder, CancellationToken cancellationToken)
    {
        if (context.WhatIf || context.TargetPrivateDirectory is null)
        {
            return;
        }

        activeContext = context;
        try
        {
            prepared = await StartRsyncAsync(context, folder, 0, cancellationToken).ConfigureAwait(false);
            context.Log(SyncHost.Source, LogLevel.Debug, $"rsync for {folder.Source} started; it reaches {context.TargetHostname} after the pre-sync snapshots",
                Fields(("folder", folder.Source), ("gate", prepared.Gate.Path)));
        }
        catch (DiskToolsException e)
        {
            context.Log(SyncHost.Source, LogLevel.Debug, $"rsync for {folder.Source} is started with the transfer instead: {e.Message}", Fields(("folder", folder.Source)));
        }
    }

    /// <summary>Starts a folder's rsync behind a shut gate (its pid file registered for an abort); the caller opens or discards it.</summary>
    private async Task<StartedRsync> StartRsyncAsync(JobContext context, Folder folder, int index, CancellationToken cancellationToken)
    {
        // In the session's private directory on the target (0700, checked when the lock was taken), never in a
        // place another user could plant a symbolic link; removed when the folder is done.
        string pidFile = (context.TargetPrivateDirectory ?? throw new InvalidOperationException("The target lock is not held."))
            + $"/rsync-{context.SessionId}-{index}.pid";
        // A gate per start: one that replaces a discarded early start must not meet the old gate's file.
        RsyncStartGate gate = context.TargetEndpoint!.Rsync!.CreateGate($"{context.SessionId}-{index}-{Interlocked.Increment(ref gatesMade)}");
        try
        {
            lock (remotePidFiles)
            {
                remotePidFiles.Add(pidFile);
            }

            CommandLine command = RsyncCommand(context, folder, index, pidFile, gate);
            IRunningCommand rsync = await StartAsync(context, SyncHost.Source, command, cancellationToken).ConfigureAwait(false);
            return new StartedRsync(index, rsync, gate, pidFile, command);
        }
        catch
        {
            gate.Dispose();
            throw;
        }
    }

    /// <summary>A folder's rsync, running behind <paramref name="Gate"/>.</summary>
    private sealed record StartedRsync(int Index, IRunningCommand Rsync, RsyncStartGate Gate, string PidFile, CommandLine Command);

    private async Task SyncFolderAsync(JobContext context, Folder folder, int index, int count, CancellationToken cancellationToken)
    {
        var fields = Fields(("folder", folder.Source), ("target_folder", folder.Target), ("delete", folder.Delete));
        context.Log(SyncHost.Source, LogLevel.Info, $"Syncing {folder.Source} to {context.TargetHostname}:{folder.Target}", fields);
        var watch = Stopwatch.StartNew();
        StartedRsync? ready = Interlocked.Exchange(ref prepared, null);
        if (ready is not null && (ready.Index != index || ready.Rsync.WaitForExitAsync(CancellationToken.None).IsCompleted))
        {
            // Ended while it waited (its connection dropped during a long check or a -Confirm prompt): it never
            // reached the target, so this folder's rsync simply starts now instead.
            context.Log(SyncHost.Source, LogLevel.Debug, $"The rsync started for {folder.Source} during validation is not usable; starting another", Fields(("folder", folder.Source)));
            await DiscardAsync(context, ready, TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            ready = null;
        }

        StartedRsync started = ready ?? await StartRsyncAsync(context, folder, index, cancellationToken).ConfigureAwait(false);
        IRunningCommand rsync = started.Rsync;
        context.Log(SyncHost.Source, LogLevel.Debug, "rsync command", Fields(("command", started.Command.ToString())));
        try
        {
            // From here on rsync may change the target: the pre-sync snapshots are taken.
            started.Gate.Open();
        }
        catch
        {
            await StopAsync(rsync, TimeSpan.FromMilliseconds(300)).ConfigureAwait(false);
            await ReleaseAsync(rsync).ConfigureAwait(false);
            throw;
        }

        string pidFile = started.PidFile;
        var stats = new FolderStats();
        var errors = new List<string>();
        try
        {
            var throttle = new ProgressThrottle(TimeSpan.FromMilliseconds(250), TimeSpan.Zero);
            string? lastItem = null;
            await foreach (OutputLine line in rsync.ReadLinesAsync(cancellationToken).ConfigureAwait(false))
            {
                if (line.Stream == OutputStream.StandardError)
                {
                    if (line.Text.Trim().Length > 0)
                    {
                        errors.Add(line.Text);
                        context.Log(SyncHost.Source, LogLevel.Warning, "rsync: " + line.Text, fields);
                    }

                    continue;
                }

                foreach (string segment in RsyncOutput.Segments(line.Text))
                {
                    if (RsyncOutput.TryParseItem(segment, out RsyncItem item))
                    {
                        lastItem = item.Path;
                        stats.Count(item);
                        context.Log(SyncHost.Target, LogLevel.Full, item.Describe(),
                            Fields(("folder", folder.Target), ("change", item.Change), ("path", item.Path)));
                    }
                    else if (RsyncOutput.TryParseProgress(segment, out RsyncProgress progress))
                    {
                        stats.Bytes = progress.Bytes;
                        if (throttle.TryEnter())
                        {
                            int overall = (index * 100 + progress.Percent) / count;
                            context.Progress(new ProgressUpdate(overall, progress.Checked, progress.TotalKnown ? progress.Total : null,
                                lastItem is null ? folder.Source : Path.Combine(folder.Source, lastItem)));
                        }
                    }
                    else
                    {
                        context.Log(SyncHost.Source, LogLevel.Debug, "rsync: " + segment, fields);
                    }
                }
            }

            int exit = await rsync.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            if (exit == 24)
            {
                context.Log(SyncHost.Source, LogLevel.Warning, $"Some files in {folder.Source} vanished while they were being copied", fields);
            }
            else if (exit != 0)
            {
                throw new RsyncFailedException(folder.Source, exit, errors);
            }

            context.Progress(new ProgressUpdate((index + 1) * 100 / count, Item: folder.Source));
            context.Log(SyncHost.Target, LogLevel.Info,
                $"Synced {folder.Source}: {stats.Changed:N0} changed, {stats.Deleted:N0} deleted, {stats.Bytes:N0} bytes in {watch.Elapsed.TotalSeconds:0.0} s",
                Fields(("folder", folder.Target), ("changed", stats.Changed), ("deleted", stats.Deleted), ("bytes", stats.Bytes), ("seconds", Math.Round(watch.Elapsed.TotalSeconds, 3))));
        }
        catch
        {
            // Cancelled or failed: the local rsync and its ssh go now, before the handle is released.
            await StopAsync(rsync, TimeSpan.FromMilliseconds(300)).ConfigureAwait(false);
            throw;
        }
        finally
        {
            await ReleaseAsync(rsync).ConfigureAwait(false);
        }

        // The server on the target has ended with the client (exit status received): its pid file goes now.
        await RemovePidFileAsync(context, pidFile, cancellationToken).ConfigureAwait(false);
    }

    private async Task RemovePidFileAsync(JobContext context, string pidFile, CancellationToken cancellationToken)
    {
        try
        {
            await context.Target.RunUrgentAsync(CommandLine.Create("rm", "-f", "--", pidFile), cancellationToken).ConfigureAwait(false);
            lock (remotePidFiles)
            {
                remotePidFiles.Remove(pidFile);
            }
        }
        catch (Exception e) when (e is DiskToolsException or ObjectDisposedException or InvalidOperationException or Renci.SshNet.Common.SshException)
        {
            context.Log(SyncHost.Target, LogLevel.Warning, $"Could not remove the pid file {pidFile} on the target: {e.Message}");
        }
    }

    /// <summary>The rsync command for one folder, held back by <paramref name="gate"/>; without a pid file and gate, the preflight estimate instead (--dry-run --stats).</summary>
    private CommandLine RsyncCommand(JobContext context, Folder folder, int index, string? pidFile, RsyncStartGate? gate = null)
    {
        bool dryRun = pidFile is null || gate is null;

        // Paths reach both ends literally. Locally rsync gets an argument vector (no shell). The target path
        // goes through the target's login shell, so it is sent single-quoted with --old-args (rsync passes it
        // on as written): neither --secluded-args (the remote rsync glob-expands the destination) nor rsync's
        // default escaping (it leaves * ? [ ] for the remote shell to expand) would keep "Photos [2024]" from
        // matching "Photos 2". Every operand follows "--".
        var arguments = new List<string>
        {
            "-aHAX", "--numeric-ids", "--old-args", "--no-inc-recursive",
            "-e", dryRun ? context.TargetEndpoint!.Rsync!.RemoteShell : context.TargetEndpoint!.Rsync!.GatedRemoteShell(gate!),
            // Runs through the target's shell: records the server's pid so an abort can end it, waits for the one
            // line the gated remote shell sends once the gate opens (end-of-file instead ends it here), then
            // becomes rsync. The preflight's dry run writes nothing on the target, not even that.
            "--rsync-path", dryRun ? "rsync" : $"echo $$ > {ShellQuote.Quote(pidFile!)} && IFS= read -r go && exec rsync",
        };
        arguments.AddRange(dryRun ? ["--dry-run", "--stats", "--no-human-readable"] : ["--info=progress2", "-i"]);
        if (folder.Delete)
        {
            arguments.Add("--delete");
        }

        // DiskTools' own directories first: the first matching rule wins, so no user filter can bring them back.
        if (builtInExcludes is not null && builtInExcludes.TryGetValue(index, out IReadOnlyList<string>? excluded))
        {
            arguments.AddRange(excluded.Select(rule => "--filter=" + rule));
        }

        if (folder.Filter is not null)
        {
            arguments.Add("--filter=merge " + folder.Filter);
        }

        if (context.Config.GetInt("bwlimit_kib", 0) is long limit and > 0 && !dryRun)
        {
            arguments.Add("--bwlimit=" + limit.ToString(CultureInfo.InvariantCulture));
        }

        arguments.Add("--");
        arguments.Add(WithSlash(folder.Source));
        arguments.Add(context.TargetEndpoint.Rsync.HostSpec + ":" + ShellQuote.Quote(WithSlash(folder.Target)));
        return new CommandLine("rsync", arguments);
    }

    private async Task KillRemoteServersAsync(JobContext context, TimeSpan timeout)
    {
        string[] files;
        lock (remotePidFiles)
        {
            files = [.. remotePidFiles];
        }

        if (files.Length == 0)
        {
            return;
        }

        // Only a process that is still rsync, or the shell waiting to become it (its command line names the pid
        // file), is signalled: a stale pid file never kills an unrelated process.
        const string script = """
            ours() { [ "$(cat /proc/$1/comm 2>/dev/null)" = rsync ] || grep -qaF -- "$2" /proc/$1/cmdline 2>/dev/null; }
            for f in "$@"; do p=$(cat "$f" 2>/dev/null) || continue; ours "$p" "$f" && kill -TERM "$p" 2>/dev/null; done
            sleep 0.3
            for f in "$@"; do p=$(cat "$f" 2>/dev/null) || { rm -f "$f"; continue; }; ours "$p" "$f" && kill -KILL "$p" 2>/dev/null; rm -f "$f"; done
            exit 0
            """;
        try
        {
            using var deadline = new CancellationTokenSource(timeout);
            await context.Target.RunUrgentAsync(CommandLine.ShellScript(script, files), deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or DiskToolsException or ObjectDisposedException or InvalidOperationException or Renci.SshNet.Common.SshException)
        {
            context.Log(SyncHost.Target, LogLevel.Warning, "Could not check for a leftover rsync on the target: " + e.Message);
        }
    }

    private static async Task<bool> TestAsync(ICommandExecutor host, string flag, string path, CancellationToken cancellationToken)
        => (await host.RunAsync(CommandLine.Create("test", flag, path), TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false)).Succeeded;

    private static string WithSlash(string path) => path.EndsWith('/') ? path : path + "/";

    private static string ParentOf(string path)
    {
        string trimmed = path.TrimEnd('/');
        int slash = trimmed.LastIndexOf('/');
        return slash <= 0 ? "/" : trimmed[..slash];
    }

    private sealed class FolderStats
    {
        public long Changed { get; private set; }

        public long Deleted { get; private set; }

        public long Bytes { get; set; }

        public void Count(RsyncItem item)
        {
            if (item.IsDeletion)
            {
                Deleted++;
            }
            else
            {
                Changed++;
            }
        }
    }
}

/// <summary>rsync ended with an error status.</summary>
public sealed class RsyncFailedException(string folder, int exitCode, IReadOnlyList<string> messages)
    : DiskToolsException(ErrorIds.RsyncFailed, ErrorKind.WriteError,
        $"rsync of '{folder}' failed with exit code {exitCode} ({Meaning(exitCode)}){(messages.Count > 0 ? ": " + string.Join(" | ", messages.TakeLast(3).Select(TerminalText.Escape)) : string.Empty)}",
        folder)
{
    public int ExitCode { get; } = exitCode;

    private static string Meaning(int code) => code switch
    {
        1 => "syntax or usage error",
        3 => "errors selecting input/output files",
        5 => "error starting the client-server protocol",
        10 => "error in socket I/O",
        11 => "error in file I/O",
        12 => "error in the rsync protocol data stream",
        20 => "received SIGUSR1 or SIGINT",
        23 => "partial transfer due to error",
        30 => "timeout in data send/receive",
        35 => "timeout waiting for daemon connection",
        143 or 137 => "terminated",
        255 => "ssh failed",
        _ => "see rsync(1)",
    };
}
