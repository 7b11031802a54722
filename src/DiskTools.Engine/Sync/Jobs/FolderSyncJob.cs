using System.Diagnostics;
using System.Globalization;
using DiskTools.Engine.Output;
using DiskTools.Engine.Remoting;
using DiskTools.Engine.Sync.Config;
using DiskTools.Engine.Sync.Logging;

namespace DiskTools.Engine.Sync.Jobs;

/// <summary>
/// folder_sync: copies folders from the source to the target with rsync over SSH, preserving everything a
/// restore needs (-aHAX --numeric-ids: permissions, times, owners by number, hard links, ACLs, xattrs).
/// Files the source no longer has are deleted on the target only when the folder (or the job) says
/// delete: true. Each folder may name a filter file (rsync filter rules, merged on the source).
/// Progress comes from --info=progress2; every itemized change (-i) is logged at FULL.
/// </summary>
public sealed class FolderSyncJob : SyncJob
{
    public const string JobName = "folder_sync";

    private readonly List<string> remotePidFiles = [];
    private JobContext? activeContext;

    public override string Name => JobName;

    public override string Description => "Copies folders to the target with rsync over SSH.";

    public static SyncJobDefinition Definition { get; } = new(
        JobName,
        "Copies folders to the target with rsync over SSH.",
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
                ConfigSchema.Field("delete", ConfigSchema.Bool()))
            .WithRule(f => f.Has("path") == (f.Has("source") || f.Has("target"))
                ? "give either 'path' (the same on both hosts) or 'source' and 'target'"
                : !f.Has("path") && !(f.Has("source") && f.Has("target")) ? "give both 'source' and 'target'" : null);

    /// <summary>One folder to copy, resolved from the config.</summary>
    public sealed record Folder(string Source, string Target, string? Filter, bool Delete);

    public static IReadOnlyList<Folder> FoldersOf(ConfigSection config)
    {
        bool deleteDefault = config.GetBool("delete", false);
        return [.. config.GetSections("folders").Select(f => new Folder(
            f.GetString("source") ?? f.GetString("path")!,
            f.GetString("target") ?? f.GetString("path")!,
            f.GetString("filter"),
            f.GetBool("delete", deleteDefault)))];
    }

    public override IEnumerable<string> Plan(JobContext context)
        => FoldersOf(context.Config).Select(f =>
            $"{Name}: {context.SourceHostname}:{f.Source} -> {context.TargetHostname}:{f.Target}"
            + (f.Delete ? " (deleting extra files on the target)" : string.Empty)
            + (f.Filter is null ? string.Empty : $" with filter {f.Filter}"));

    public override async Task<IReadOnlyList<ValidationProblem>> ValidateAsync(JobContext context, CancellationToken cancellationToken)
    {
        var problems = new List<ValidationProblem>();
        if (context.TargetEndpoint is null)
        {
            problems.Add(new ValidationProblem(Name, SyncHost.Target, context.TargetHostname, "no SSH endpoint to run rsync over"));
        }
        else if (RsyncTransport.Unsupported(context.TargetEndpoint.Options) is string why)
        {
            problems.Add(new ValidationProblem(Name, SyncHost.Target, context.TargetHostname, why));
        }

        foreach (Folder folder in FoldersOf(context.Config))
        {
            if (!await TestAsync(context.Source, "-d", folder.Source, cancellationToken).ConfigureAwait(false))
            {
                problems.Add(new ValidationProblem(Name, SyncHost.Source, context.SourceHostname, $"folder '{folder.Source}' does not exist or is not a directory"));
            }

            if (folder.Filter is not null && !await TestAsync(context.Source, "-f", folder.Filter, cancellationToken).ConfigureAwait(false))
            {
                problems.Add(new ValidationProblem(Name, SyncHost.Source, context.SourceHostname, $"filter file '{folder.Filter}' does not exist"));
            }

            string parent = ParentOf(folder.Target);
            if (!await TestAsync(context.Target, "-d", folder.Target, cancellationToken).ConfigureAwait(false)
                && !await TestAsync(context.Target, "-d", parent, cancellationToken).ConfigureAwait(false))
            {
                problems.Add(new ValidationProblem(Name, SyncHost.Target, context.TargetHostname, $"neither '{folder.Target}' nor its parent '{parent}' exists"));
            }
        }

        return problems;
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
        Task local = base.AbortAsync(timeout);
        Task remote = activeContext is { } context ? KillRemoteServersAsync(context, timeout) : Task.CompletedTask;
        await Task.WhenAll(local, remote).ConfigureAwait(false);
    }

    private async Task SyncFolderAsync(JobContext context, Folder folder, int index, int count, CancellationToken cancellationToken)
    {
        string pidFile = $"${{XDG_RUNTIME_DIR:-/tmp}}/disktools-rsync-{context.SessionId}-{index}.pid";
        lock (remotePidFiles)
        {
            remotePidFiles.Add(pidFile);
        }

        var arguments = new List<string>
        {
            "-aHAX", "--numeric-ids", "--secluded-args", "--no-inc-recursive", "--info=progress2", "-i",
            "-e", RsyncTransport.RemoteShell(context.TargetEndpoint!.Options),
            // Runs through the target's shell: records the server's pid so an abort can end it, then becomes rsync.
            "--rsync-path", $"echo $$ > \"{pidFile}\" && exec rsync",
        };
        if (folder.Delete)
        {
            arguments.Add("--delete");
        }

        if (folder.Filter is not null)
        {
            arguments.Add("--filter=merge " + folder.Filter);
        }

        if (context.Config.GetInt("bwlimit_kib", 0) is long limit and > 0)
        {
            arguments.Add("--bwlimit=" + limit.ToString(CultureInfo.InvariantCulture));
        }

        arguments.Add(WithSlash(folder.Source));
        arguments.Add(RsyncTransport.HostSpec(context.TargetEndpoint.Options) + ":" + WithSlash(folder.Target));

        var fields = Fields(("folder", folder.Source), ("target_folder", folder.Target), ("delete", folder.Delete));
        context.Log(SyncHost.Source, LogLevel.Info, $"Syncing {folder.Source} to {context.TargetHostname}:{folder.Target}", fields);
        var command = new CommandLine("rsync", arguments);
        context.Log(SyncHost.Source, LogLevel.Debug, "rsync command", Fields(("command", command.ToString())));

        var watch = Stopwatch.StartNew();
        IRunningCommand rsync = await StartAsync(context, SyncHost.Source, command, cancellationToken).ConfigureAwait(false);
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
                        context.Log(SyncHost.Target, LogLevel.Full, item.Path,
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

        // Only a process that is still rsync is signalled: a stale pid file never kills an unrelated process.
        const string script =
            "for f in \"$@\"; do f=$(eval echo \"$f\"); p=$(cat \"$f\" 2>/dev/null) || continue; " +
            "[ \"$(cat /proc/$p/comm 2>/dev/null)\" = rsync ] && kill -TERM \"$p\" 2>/dev/null; done; " +
            "sleep 0.3; for f in \"$@\"; do f=$(eval echo \"$f\"); p=$(cat \"$f\" 2>/dev/null) || continue; " +
            "[ \"$(cat /proc/$p/comm 2>/dev/null)\" = rsync ] && kill -KILL \"$p\" 2>/dev/null; rm -f \"$f\"; done; exit 0";
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
    : DiskToolsException("RsyncFailed", ErrorKind.WriteError,
        $"rsync of '{folder}' failed with exit code {exitCode} ({Meaning(exitCode)}){(messages.Count > 0 ? ": " + string.Join(" | ", messages.TakeLast(3)) : string.Empty)}",
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
