using System.Management.Automation.Runspaces;
using System.Runtime.InteropServices;
using DiskTools.Host.Hosting;

namespace DiskTools.Host;

/// <summary>
/// Runs one request in a runspace that has DiskTools imported and decides the exit code:
/// <c>exit N</c> → N; Ctrl+C → 130; SIGTERM → 143; SIGHUP → 129; any error written or a terminating error → 1; else 0.
/// </summary>
internal sealed class ScriptRunner(ConsoleStreams console, StartupTrace trace)
{
    public const int ExitHangup = 129;
    public const int ExitInterrupted = 130;
    public const int ExitTerminated = 143;
    public const int ExitUsage = 64;

    private readonly LauncherHost host = new(console);
    private readonly object stopGate = new();
    private PowerShell? running;
    private int? stopExitCode;
    private int errorsWritten;

    public int Run(LaunchRequest request)
    {
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => OnSignal(c, ExitInterrupted));
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => OnSignal(c, ExitTerminated));
        using PosixSignalRegistration sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => OnSignal(c, ExitHangup));

        string? scriptPath = null;
        if (request.Mode == LaunchMode.File)
        {
            scriptPath = Path.GetFullPath(request.Target);
            if (!File.Exists(scriptPath))
            {
                console.ErrorLine($"disktools: the script file '{request.Target}' does not exist.", "91");
                return ExitUsage;
            }
        }

        using Runspace runspace = OpenRunspace();
        if (runspace.RunspaceStateInfo.State != RunspaceState.Opened)
        {
            return 1;
        }

        using PowerShell ps = PowerShell.Create(runspace);
        switch (request.Mode)
        {
            case LaunchMode.Command:
                ps.AddScript(request.Target);
                break;
            case LaunchMode.File:
                ArgumentBinder.AddInvocation(ps, scriptPath!, request.Arguments);
                break;
            default:
                ArgumentBinder.AddInvocation(ps, request.Target, request.Arguments);
                break;
        }

        // Everything the command outputs is formatted by the engine with the module's views, as in pwsh.
        ps.AddCommand("Out-Default");
        ps.Streams.Error.DataAdded += (_, e) => ReportError(ps.Streams.Error[e.Index]);

        bool terminated = Invoke(ps);
        host.LauncherUI.Progress?.Reset();
        trace.Mark("pipeline done");

        lock (stopGate)
        {
            running = null;
            if (stopExitCode is int stopped)
            {
                return stopped;
            }
        }

        if (host.RequestedExitCode is int requested)
        {
            return requested;
        }

        if (request.Mode == LaunchMode.File && ScriptExitCode(runspace) is int fromScript and not 0)
        {
            return fromScript;
        }

        return terminated || errorsWritten > 0 ? 1 : 0;
    }

    private Runspace OpenRunspace()
    {
        // The real Import-Module of the built manifest, run as the runspace opens (same as pwsh -Command 'Import-Module ...').
        // $PSStyle's default ("Host") leaves ANSI in formatted output for the host to strip; this host instead
        // asks for plain text unless stdout is a colour terminal, so pipes and files never get escape codes.
        // CreateDefault, not CreateDefault2: every standard cmdlet is registered from its assembly (as the
        // launcher ships no module manifests to autoload them from); measured at ~6% more start-up time.
        InitialSessionState state = InitialSessionState.CreateDefault();
        trace.Mark("session state built");
        state.ImportPSModule(ModuleLocator.FindManifest());
        Runspace runspace = RunspaceFactory.CreateRunspace(host, state);
        trace.Mark("runspace created");
        try
        {
            runspace.Open();
        }
        catch (RuntimeException e)
        {
            ReportError(e.ErrorRecord);
        }

        trace.Mark("runspace open (module imported)");
        return runspace;
    }

    /// <returns>True when the pipeline ended with a terminating error.</returns>
    private bool Invoke(PowerShell ps)
    {
        lock (stopGate)
        {
            if (stopExitCode is not null)
            {
                return false;
            }

            running = ps;
        }

        try
        {
            ps.Invoke();
            return false;
        }
        catch (PipelineStoppedException)
        {
            return stopExitCode is null; // stopped by a signal is not an error; stopped by anything else is
        }
        catch (RuntimeException e)
        {
            ReportError(e.ErrorRecord);
            return true;
        }
    }

    private void ReportError(ErrorRecord error)
    {
        Interlocked.Increment(ref errorsWritten);
        console.ErrorLine(ConciseErrorView.Render(error), "91");
    }

    /// <summary>
    /// First signal: stop the pipeline (the running cmdlet's StopProcessing and PipelineStopToken fire) and
    /// exit with 128+signal once it has unwound. A second signal while stopping exits at once.
    /// </summary>
    private void OnSignal(PosixSignalContext context, int exitCode)
    {
        context.Cancel = true;
        PowerShell? toStop;
        lock (stopGate)
        {
            if (stopExitCode is not null || running is null)
            {
                console.Dispose();
                Environment.Exit(stopExitCode ?? exitCode);
            }

            stopExitCode = exitCode;
            toStop = running;
        }

        toStop!.BeginStop(_ => { }, null);
    }

    private static int? ScriptExitCode(Runspace runspace) =>
        runspace.SessionStateProxy.GetVariable("LASTEXITCODE") is int code ? code : null;
}
