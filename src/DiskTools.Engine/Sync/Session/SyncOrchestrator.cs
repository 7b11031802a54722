using DiskTools.Engine.Remoting;
using DiskTools.Engine.Remoting.Ssh;
using DiskTools.Engine.Sync.Config;
using DiskTools.Engine.Sync.Jobs;
using DiskTools.Engine.Sync.Logging;
using DiskTools.Engine.Sync.Safety;

namespace DiskTools.Engine.Sync.Session;

/// <summary>
/// Runs one sync session from the source (this machine) to a target over SSH:
/// Initializing (config phases 1–2, local lock, connect, target lock, prerequisites) → Validating (each
/// job's checks against the live hosts) → Executing (disk monitor in the background, pre-sync snapshots on
/// both hosts, the sync jobs in config order, post-sync snapshots, retention) → Completed; any failure or
/// Ctrl+C goes through Cleanup (stop the monitor, abort the running job on both hosts, release both locks,
/// close SSH, finish the log) to Failed or Interrupted. Everything is reported as events on the session's
/// bus, which carries them to the caller's <see cref="IOutputWriter"/> and to the JSON-lines log file.
/// </summary>
public sealed partial class SyncOrchestrator
{
    public const string OrchestratorJob = "orchestrator";

    /// <summary>
    /// The host's one session lock, the same file whether the host is a session's source or its target, so a
    /// host never takes part in two sessions at once (crossing syncs A→B and B→A included).
    /// </summary>
    public const string LockFile = "sync.lock";

    private readonly SyncRunOptions options;
    private readonly EventBus bus = new();
    private readonly SessionStateMachine state;
    private readonly Stopwatch clock = new();
    private CancellationTokenSource? sessionAbort;
    private Exception? backgroundFailure;
    private int errorsLogged;
    private SessionPlan? plan;
    private JsonLinesLogFile? logFile;
    private LocalSessionLock? localLock;
    private ICommandExecutor? source;
    private SshExecutor? target;
    private RsyncTransport? rsyncTransport;
    private RemoteSessionLock? targetLock;
    private DiskSpaceMonitor? monitor;
    private Task? monitorTask;
    private CancellationTokenSource? monitorStop;
    private SnapshotJob? snapshots;
    private volatile SyncJob? runningJob;

    public SyncOrchestrator(SyncRunOptions options)
    {
        this.options = options;
        Session = new SyncSession
        {
            SessionId = SessionIds.New(),
            StartedAt = DateTimeOffset.UtcNow,
            ComputerName = options.Target.Host,
            SourceHostname = Environment.MachineName,
            TargetHostname = options.Target.Host,
            WhatIf = options.WhatIf,
            ConfigFile = options.ConfigPath ?? SyncConfigLoader.DefaultPath,
        };
        state = new SessionStateMachine(OnStateChanged);
    }

    public SyncSession Session { get; }

    public SyncSessionState State => state.Current;

    public async Task<SyncSession> RunAsync(CancellationToken stop)
    {
        clock.Start();
        if (options.Output is { } output)
        {
            bus.Subscribe(new OutputEventConsumer(output, HostnameOf, $"Sync to {options.Target.Host}", options.ConsoleLevel));
        }

        OpenLogFile();
        Record(LogLevel.Info, $"Sync session {Session.SessionId} to {options.Target.Host} started", "session_started",
            ("started_at", Session.StartedAt), ("computer_name", options.Target.Host),
            ("config_file", Session.ConfigFile), ("what_if", options.WhatIf), ("source_hostname", Session.SourceHostname));

        using CancellationTokenSource abort = CancellationTokenSource.CreateLinkedTokenSource(stop);
        sessionAbort = abort;
        Exception? failure = null;
        bool interrupted = false;
        bool completed = false;
        try
        {
            await InitializeAsync(abort.Token).ConfigureAwait(false);
            state.MoveTo(SyncSessionState.Validating);
            await ValidateAsync(abort.Token).ConfigureAwait(false);
            if (!ShouldExecute())
            {
                Log(LogLevel.Info, "Validation passed; nothing was changed (-WhatIf).");
            }
            else
            {
                state.MoveTo(SyncSessionState.Executing);
                await ExecuteAsync(abort.Token).ConfigureAwait(false);
                if (Volatile.Read(ref backgroundFailure) is { } late)
                {
                    failure = late;
                }
                else if (Volatile.Read(ref errorsLogged) is int errors and > 0)
                {
                    failure = new SyncErrorsLoggedException(errors);
                }
                else
                {
                    completed = true;
                }
            }
        }
        catch (Exception e) when (stop.IsCancellationRequested)
        {
            interrupted = true;
            Log(LogLevel.Warning, "Interrupted; cleaning up.", ("interrupted_during", state.Current.ToString()), ("detail", e.Message));
        }
        catch (Exception e)
        {
            failure = e is OperationCanceledException && Volatile.Read(ref backgroundFailure) is { } cause ? cause : e;
        }

        if (failure is not null)
        {
            Session.ErrorMessage = TerminalText.EscapeLines(failure.Message);
            Log(LogLevel.Critical, failure.Message, failure, ("error_id", (failure as DiskToolsException)?.ErrorId ?? failure.GetType().Name));
        }
        else if (interrupted)
        {
            Session.ErrorMessage = "The session was interrupted.";
        }

        SkipJobsNotRun(interrupted ? "not run: the session was interrupted"
            : failure is not null ? "not run: the session failed before it"
            : options.WhatIf ? "not run: -WhatIf"
            : "not run: declined at the confirmation");
        if (completed)
        {
            await TeardownAsync(aborting: false).ConfigureAwait(false);
            state.MoveTo(SyncSessionState.Completed);
        }
        else
        {
            state.MoveTo(SyncSessionState.Cleanup);
            await TeardownAsync(aborting: true).ConfigureAwait(false);
            state.MoveTo(interrupted ? SyncSessionState.Interrupted : failure is not null ? SyncSessionState.Failed : SyncSessionState.Completed);
        }

        Session.Status = state.Current;
        Session.EndedAt = DateTimeOffset.UtcNow;
        Record(state.Current == SyncSessionState.Completed ? LogLevel.Info : LogLevel.Warning,
            $"Sync session {Session.SessionId} {state.Current.ToString().ToLowerInvariant()} after {clock.Elapsed.TotalSeconds:0.0} s", "session_finished",
            ("status", state.Current.ToString()), ("ended_at", Session.EndedAt), ("error_message", Session.ErrorMessage),
            ("source_hostname", Session.SourceHostname), ("target_hostname", Session.TargetHostname), ("seconds", Math.Round(clock.Elapsed.TotalSeconds, 3)));
        PublishProgress(OrchestratorJob, new ProgressUpdate(100), completed: true);
        bus.Close();
        return Session;
    }

    private bool ShouldExecute()
    {
        if (options.WhatIf)
        {
            options.Output?.ShouldProcess(Session.TargetHostname, plan!.Summary(Session.SourceHostname));
            return false;
        }

        return options.Output?.ShouldProcess(Session.TargetHostname, plan!.Summary(Session.SourceHostname)) ?? true;
    }

    private void OpenLogFile()
    {
        if (options.WhatIf)
        {
            return;
        }

        string directory = options.LogDirectory ?? SessionLogLocation.DefaultDirectory;
        string path = Path.Combine(directory, SessionLogLocation.FileName(Session.StartedAt, Session.SessionId));
        try
        {
            logFile = new JsonLinesLogFile(path, LogLevel.Full, HostnameOf);
            bus.Subscribe(logFile);
            Session.LogFile = path;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The session can still run; the console shows everything, and says why there is no file.
            Log(LogLevel.Warning, $"Cannot write the session log '{path}': {e.Message}");
        }
    }

    private string HostnameOf(SyncHost host) => host == SyncHost.Source ? Session.SourceHostname : Session.TargetHostname;

    private void OnStateChanged(SyncSessionState from, SyncSessionState to)
    {
        // A record: always in the file (the lifecycle is what a post-mortem reads first), DEBUG on the console.
        Record(LogLevel.Debug, $"State {from} -> {to}", "state", ("from_state", from.ToString()), ("to_state", to.ToString()));
    }

    /// <summary>A background part of the session (disk monitor, target lock) failed: stop everything.</summary>
    private void FailInBackground(Exception failure)
    {
        if (Interlocked.CompareExchange(ref backgroundFailure, failure, null) is null)
        {
            try
            {
                sessionAbort?.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
