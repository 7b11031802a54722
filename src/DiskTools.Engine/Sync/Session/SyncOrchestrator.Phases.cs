using DiskTools.Engine.Remoting;
using DiskTools.Engine.Remoting.Ssh;
using DiskTools.Engine.Sync.Jobs;
using DiskTools.Engine.Sync.Logging;
using DiskTools.Engine.Sync.Safety;

namespace DiskTools.Engine.Sync.Session;

public sealed partial class SyncOrchestrator
{
    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        // A host name ssh would read as an option is refused before anything else happens.
        ExecutorErrors.ValidateHostName(options.Target.Host);

        // Config first: a bad file must stop the session before anything is locked or connected.
        plan = SessionPlan.Load(Session.ConfigFile!);
        if (logFile is not null)
        {
            logFile.Threshold = plan.Config.LogFileLevel;
        }

        bus.Publish(new SessionConfiguredEvent(DateTimeOffset.UtcNow, plan.Config));
        plan.Select(options.Jobs);
        Log(LogLevel.Info, $"Config {plan.Config.SourceFile} is valid", ("jobs", plan.RunningNames.ToArray()));

        string lockDirectory = options.LockDirectory ?? LocalSessionLock.DefaultDirectory;
        localLock = LocalSessionLock.Acquire(Path.Combine(lockDirectory, LockFile), HolderLine(), Session.SourceHostname);
        if (localLock.StaleHolder is { } stale)
        {
            Log(LogLevel.Warning, $"Took over a stale lock left by a session that no longer runs: {stale.Describe()}", ("lock", localLock.Path));
        }

        // The session's own children (rsync, its ssh) hold the lock's children file: the host stays locked while any of them lives.
        source = options.SourceFactory?.Invoke() ?? new LocalExecutor { SessionChildrenLock = LocalSessionLock.ChildrenPath(localLock.Path) };
        Session.SourceHostname = TerminalText.Escape(await source.GetHostNameAsync(cancellationToken).ConfigureAwait(false));

        Log(LogLevel.Info, $"Connecting to {options.Target.Host}");
        PublishProgress(OrchestratorJob, new ProgressUpdate(Item: $"Connecting to {options.Target.Host}", Heartbeat: true));
        // The target lock's holder is the one long-running command there: its channel logs in while the control
        // shell does and the checks below run, and nothing runs on it before they pass.
        target = await SshExecutor.ConnectAsync(options.Target with { PrepareChannel = true }, cancellationToken).ConfigureAwait(false);
        target.ConnectionChanged += OnConnectionChanged;
        Session.TargetHostname = TerminalText.Escape(await target.GetHostNameAsync(cancellationToken).ConfigureAwait(false));
        Record(LogLevel.Info, $"Connected to {Session.TargetHostname} ({target.Target})", "session_hosts",
            ("source_hostname", Session.SourceHostname), ("target_hostname", Session.TargetHostname), ("ssh_target", target.Target),
            ("round_trip_ms", target.LastRoundTrip?.TotalMilliseconds));

        // Before anything else on the target: a session onto this very machine is refused however it was named.
        HostIdentity[] identities = await Task.WhenAll(
            HostIdentity.ReadAsync(source, cancellationToken), HostIdentity.ReadAsync(target, cancellationToken)).ConfigureAwait(false);
        if (HostIdentity.SameMachine(identities[0], identities[1], target.HostKeyFingerprint) is { } same)
        {
            throw HostIdentity.SameMachineError(options.Target.Host, Session.SourceHostname, same);
        }

        await CheckPrerequisitesAsync(cancellationToken).ConfigureAwait(false);
        if (plan!.UsesRsync)
        {
            // One resolution for both channels: rsync's ssh gets exactly the host, port, user, keys and host key
            // this connection resolved and verified.
            rsyncTransport = RsyncTransport.Create(target.Endpoint, target.TrustedHostKey, Session.TargetHostname);
            Log(SyncHost.Target, LogLevel.Debug, $"rsync's ssh: {rsyncTransport.RemoteShell} ({target.Endpoint.User}@{target.Endpoint.HostName}:{target.Endpoint.Port}, host key {target.HostKeyFingerprint})");
        }

        targetLock = await RemoteSessionLock.AcquireAsync(target, Session.TargetHostname, LockFile, HolderLine(), cancellationToken).ConfigureAwait(false);
        Log(SyncHost.Target, LogLevel.Debug, $"Holding the target lock {targetLock.Path}");
        if (targetLock.StaleHolder is { } staleTarget)
        {
            Log(SyncHost.Target, LogLevel.Warning, $"Took over a stale target lock left by a session that no longer runs: {staleTarget.Describe()}");
        }

        RemoteSessionLock held = targetLock;
        _ = held.Lost.ContinueWith(
            _ =>
            {
                if (!held.IsReleased)
                {
                    FailInBackground(new DiskToolsException(ErrorIds.SyncTargetLockLost, ErrorKind.ConnectionError,
                        $"The connection to {Session.TargetHostname} was lost and with it the target's session lock; the session cannot go on safely.",
                        Session.TargetHostname));
                }
            },
            CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    private async Task CheckPrerequisitesAsync(CancellationToken cancellationToken)
    {
        bool rsync = plan!.UsesRsync;
        // flock: rsync's gated remote shell waits on its start gate with it (RsyncStartGate).
        string[] onSource = rsync ? ["btrfs", "df", "flock", "rsync", "ssh"] : ["btrfs", "df"];
        string[] onTarget = rsync ? ["btrfs", "df", "flock", "rsync"] : ["btrfs", "df", "flock"];
        IReadOnlyList<string>[] missing = await Task.WhenAll(
            HostRequirements.MissingAsync(source!, onSource, cancellationToken),
            HostRequirements.MissingAsync(target!, onTarget, cancellationToken)).ConfigureAwait(false);
        var messages = new List<string>();
        if (missing[0].Count > 0)
        {
            messages.Add(HostRequirements.MissingError(Session.SourceHostname, "source", missing[0]).Message);
        }

        if (missing[1].Count > 0)
        {
            messages.Add(HostRequirements.MissingError(Session.TargetHostname, "target", missing[1]).Message);
        }

        if (messages.Count > 0)
        {
            throw new DiskToolsException(ErrorIds.SyncPrerequisiteMissing, ErrorKind.NotInstalled, string.Join(" ", messages),
                missing[1].Count > 0 ? Session.TargetHostname : Session.SourceHostname);
        }
    }

    private async Task ValidateAsync(CancellationToken cancellationToken)
    {
        monitor = new DiskSpaceMonitor();
        snapshots = new SnapshotJob();
        SyncJob[] all = [monitor, snapshots, .. plan!.Running];

        // The checks only read, and each job's are its own: they run side by side (folder_sync's preflight dry
        // run is the long one), and their problems are reported in job order all the same.
        IReadOnlyList<ValidationProblem>[] found = await Task.WhenAll(all.Select(job =>
        {
            PublishProgress(OrchestratorJob, new ProgressUpdate(Item: $"Validating {job.Name}", Heartbeat: true));
            return job.ValidateAsync(ContextFor(job), cancellationToken);
        })).ConfigureAwait(false);
        List<ValidationProblem> problems = [.. found.SelectMany(p => p)];
        if (problems.Count > 0)
        {
            throw new SyncValidationException(problems);
        }

        foreach (SyncJob job in all)
        {
            foreach (string step in job.Plan(ContextFor(job)))
            {
                Log(LogLevel.Info, "Plan: " + step, ("job_name", job.Name));
            }
        }
    }

    private async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        monitorStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        JobContext monitorContext = ContextFor(monitor!);
        monitorTask = Task.Run(
            async () =>
            {
                try
                {
                    await monitor!.ExecuteAsync(monitorContext, monitorStop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (monitorStop.IsCancellationRequested)
                {
                }
                catch (Exception e)
                {
                    FailInBackground(e);
                }
            },
            CancellationToken.None);

        int steps = plan!.Jobs.Count + 3;
        int step = 0;
        PublishProgress(OrchestratorJob, new ProgressUpdate(0, step, steps, "Pre-sync snapshots"));
        await RunSnapshotStepAsync(Btrfs.SnapshotPhase.PreSync, cancellationToken).ConfigureAwait(false);
        step++;

        foreach (PlannedJob planned in plan.Jobs)
        {
            PublishProgress(OrchestratorJob, new ProgressUpdate(step * 100 / steps, step, steps, planned.Name));
            if (planned.Job is null)
            {
                DateTimeOffset now = DateTimeOffset.UtcNow;
                AddResult(new SyncJobResult(planned.Name, SyncJobStatus.Skipped, now, now, planned.WhyNotRun));
            }
            else
            {
                await RunJobAsync(planned.Job, cancellationToken).ConfigureAwait(false);
            }

            step++;
        }

        PublishProgress(OrchestratorJob, new ProgressUpdate(step * 100 / steps, step, steps, "Post-sync snapshots"));
        await RunSnapshotStepAsync(Btrfs.SnapshotPhase.PostSync, cancellationToken).ConfigureAwait(false);
        step++;
        PublishProgress(OrchestratorJob, new ProgressUpdate(step * 100 / steps, step, steps, "Snapshot retention"));
        await snapshots!.ApplyRetentionAsync(ContextFor(snapshots), cancellationToken).ConfigureAwait(false);
    }

    private async Task RunSnapshotStepAsync(Btrfs.SnapshotPhase phase, CancellationToken cancellationToken)
    {
        runningJob = snapshots;
        try
        {
            IReadOnlyList<SyncSnapshot> taken = await snapshots!.TakeAsync(ContextFor(snapshots), phase, cancellationToken).ConfigureAwait(false);
            foreach (SyncSnapshot snapshot in taken)
            {
                Session.Snapshots.Add(snapshot);
                Record(snapshot.Role, LogLevel.Info, $"Snapshot {snapshot.Path}", "snapshot",
                    ("role", snapshot.Role.ToString()), ("subvolume", snapshot.Subvolume), ("phase", snapshot.Phase), ("name", snapshot.Name),
                    ("path", snapshot.Path), ("created_at", snapshot.CreatedAt));
            }
        }
        finally
        {
            runningJob = null;
        }
    }

    private async Task RunJobAsync(SyncJob job, CancellationToken cancellationToken)
    {
        DateTimeOffset started = DateTimeOffset.UtcNow;
        runningJob = job;
        Log(LogLevel.Info, $"Job {job.Name} started", ("job_name", job.Name));
        try
        {
            await job.ExecuteAsync(ContextFor(job), cancellationToken).ConfigureAwait(false);
            AddResult(new SyncJobResult(job.Name, SyncJobStatus.Success, started, DateTimeOffset.UtcNow));
        }
        catch (Exception e)
        {
            Exception cause = e is OperationCanceledException && Volatile.Read(ref backgroundFailure) is { } background ? background : e;
            string message = e is OperationCanceledException && cause == e ? "interrupted" : cause.Message;
            AddResult(new SyncJobResult(job.Name, SyncJobStatus.Failed, started, DateTimeOffset.UtcNow, message));
            throw;
        }
        finally
        {
            PublishProgress(job.Name, new ProgressUpdate(100), completed: true);
        }

        runningJob = null;
    }

    private void AddResult(SyncJobResult result)
    {
        Session.JobResults.Add(result);
        Record(result.Status == SyncJobStatus.Failed ? LogLevel.Warning : LogLevel.Info,
            $"Job {result.JobName}: {result.Status}{(result.ErrorMessage is null ? string.Empty : " (" + result.ErrorMessage + ")")}", "job_result",
            ("job_name", result.JobName), ("status", result.Status.ToString()), ("started_at", result.StartedAt), ("ended_at", result.EndedAt),
            ("duration", result.Duration), ("error_message", result.ErrorMessage));
    }

    private void SkipJobsNotRun(string reason)
    {
        foreach (PlannedJob planned in plan?.Jobs ?? [])
        {
            if (Session.JobResults.All(r => r.JobName != planned.Name) && (planned.Job is not null || state.Current == SyncSessionState.Executing))
            {
                DateTimeOffset now = DateTimeOffset.UtcNow;
                AddResult(new SyncJobResult(planned.Name, SyncJobStatus.Skipped, now, now, planned.Job is not null ? reason : planned.WhyNotRun));
            }
        }
    }

    /// <summary>
    /// Cleanup. When aborting (failure or Ctrl+C) the running job's abort, the monitor's and the target lock's
    /// release run side by side under one deadline, so the session ends within about two seconds even when
    /// the target answers slowly; processes that outlive it lose their connection and end with it.
    /// </summary>
    private async Task TeardownAsync(bool aborting)
    {
        TimeSpan budget = aborting ? options.AbortTimeout : TimeSpan.FromSeconds(10);
        monitorStop?.Cancel();
        var stopping = new List<Task>();
        if (monitorTask is not null)
        {
            stopping.Add(monitorTask);
        }

        if (aborting && runningJob is SyncJob job)
        {
            Log(LogLevel.Info, $"Aborting {job.Name}", ("job_name", job.Name));
            stopping.Add(job.AbortAsync(budget));
        }

        if (aborting && monitor is not null)
        {
            stopping.Add(monitor.AbortAsync(budget));
        }

        // What a job started ahead for a run that did not come (folder_sync's first rsync, waiting at its gate).
        foreach (SyncJob planned in plan?.Running ?? [])
        {
            stopping.Add(planned.DiscardAsync(budget));
        }

        if (targetLock is not null)
        {
            stopping.Add(targetLock.ReleaseAsync(budget));
        }

        await Task.WhenAll(stopping).WaitAsync(budget + TimeSpan.FromMilliseconds(300)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Log(SyncHost.Target, LogLevel.Debug, "Released the target lock");

        TimeSpan closing = aborting ? TimeSpan.FromMilliseconds(400) : TimeSpan.FromSeconds(5);
        if (target is not null)
        {
            target.ConnectionChanged -= OnConnectionChanged;
            await target.DisposeAsync().AsTask().WaitAsync(closing).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (source is not null)
        {
            await source.DisposeAsync().AsTask().WaitAsync(closing).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        rsyncTransport?.Dispose();
        if (localLock is not null)
        {
            localLock.Dispose();
            Log(LogLevel.Debug, "Released the local lock");
        }

        monitorStop?.Dispose();
    }

    private JobContext ContextFor(SyncJob job)
        => new(job.Name, plan!.Config.SectionOf(job.Name), plan.Config, source!, target!, new TargetEndpoint(options.Target, target?.Endpoint, rsyncTransport),
            Session.SessionId, Session.StartedAt, Session.SourceHostname, Session.TargetHostname, ReservedDirectories(), JobLog, PublishProgress)
        {
            TargetPrivateDirectory = targetLock?.PrivateDirectory,
            WhatIf = options.WhatIf,
        };

    /// <summary>What this session writes into the locks it holds.</summary>
    private LockHolder HolderLine() => new(Environment.ProcessId, Session.SessionId, LockHolder.SafeHost(Session.SourceHostname), Session.StartedAt);

    /// <summary>Where this process keeps its data, logs and locks: kept out of every transfer.</summary>
    private string[] ReservedDirectories()
    {
        // The default log directory lies in DiskTools' data directory ($XDG_DATA_HOME/disktools), kept whole.
        string logs = options.LogDirectory ?? Path.GetDirectoryName(SessionLogLocation.DefaultDirectory)!;
        return [.. new[] { logs, options.LockDirectory ?? LocalSessionLock.DefaultDirectory }
            .Where(d => Path.IsPathRooted(d)).Distinct(StringComparer.Ordinal)];
    }

    private void OnConnectionChanged(object? sender, ConnectionEvent change)
    {
        LogLevel level = change.State switch
        {
            ConnectionState.Alive => LogLevel.Debug,
            ConnectionState.Connected => LogLevel.Info,
            _ => LogLevel.Warning,
        };
        Log(SyncHost.Target, level, change.ToString(), ("connection", change.State.ToString().ToLowerInvariant()), ("round_trip_ms", change.RoundTrip?.TotalMilliseconds));
    }

    private void JobLog(string job, SyncHost host, LogLevel level, string message, IReadOnlyDictionary<string, object?>? fields, Exception? error)
    {
        if (level == LogLevel.Error && state.Current == SyncSessionState.Executing)
        {
            Interlocked.Increment(ref errorsLogged);
        }

        bus.Publish(new LogEvent(DateTimeOffset.UtcNow, level, job, host, message, fields ?? new Dictionary<string, object?>(), Error: error));
    }

    private void PublishProgress(string job, ProgressUpdate update) => PublishProgress(job, update, completed: false);

    private void PublishProgress(string job, ProgressUpdate update, bool completed)
        => bus.Publish(new ProgressEvent(DateTimeOffset.UtcNow, job, update, completed));

    private void Log(LogLevel level, string message, params (string Key, object? Value)[] fields)
        => Log(SyncHost.Source, level, message, fields);

    private void Log(SyncHost host, LogLevel level, string message, params (string Key, object? Value)[] fields)
        => bus.Publish(new LogEvent(DateTimeOffset.UtcNow, level, OrchestratorJob, host, message, ToContext(fields)));

    private void Log(LogLevel level, string message, Exception error, params (string Key, object? Value)[] fields)
        => bus.Publish(new LogEvent(DateTimeOffset.UtcNow, level, OrchestratorJob, SyncHost.Source, message, ToContext(fields), Error: error));

    private void Record(LogLevel level, string message, string record, params (string Key, object? Value)[] fields)
        => Record(SyncHost.Source, level, message, record, fields);

    private void Record(SyncHost host, LogLevel level, string message, string record, params (string Key, object? Value)[] fields)
        => bus.Publish(new LogEvent(DateTimeOffset.UtcNow, level, OrchestratorJob, host, message,
            ToContext([("record", record), ("session_id", Session.SessionId), .. fields]), IsRecord: true));

    private static Dictionary<string, object?> ToContext((string Key, object? Value)[] fields)
    {
        var context = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach ((string key, object? value) in fields)
        {
            context[key] = value;
        }

        return context;
    }
}
