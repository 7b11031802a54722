using System.Globalization;
using System.Runtime.InteropServices;

namespace DiskTools.Infrastructure;

/// <summary>
/// SIGTERM and SIGHUP (timeout, systemctl stop, a dropped login) end running DiskTools work the way Ctrl+C
/// does: the signal is held back while any cmdlet's work runs, that work is cancelled, and once every piece
/// of it has finished its cleanup the same signal is raised again with the process's usual handling, so it
/// then ends exactly as it would have at once (pwsh: exit 143 on SIGTERM, killed by SIGHUP). With no work
/// running, a signal is not touched. A signal the process ignores (nohup) stays ignored.
/// </summary>
internal static class TerminationSignals
{
    private static readonly object Gate = new();
    private static readonly HashSet<CancellationTokenSource> Running = [];
    private static readonly List<PosixSignalRegistration> Registrations = [];
    private static int importers;
    private static PosixSignal? pending;

    /// <summary>The signal that is ending the process, once one arrived while work ran.</summary>
    public static PosixSignal? Pending
    {
        get
        {
            lock (Gate)
            {
                return pending;
            }
        }
    }

    /// <summary>Module import: handle the signals from now on.</summary>
    public static void Attach()
    {
        lock (Gate)
        {
            importers++;
            RegisterLocked();
        }
    }

    /// <summary>Module removal: the last importer gone, the process's own handling is back.</summary>
    public static void Detach()
    {
        lock (Gate)
        {
            importers = Math.Max(0, importers - 1);
            if (importers == 0 && Running.Count == 0 && pending is null)
            {
                UnregisterLocked();
            }
        }
    }

    /// <summary>
    /// Work is starting: <paramref name="cancel"/> is cancelled when a termination signal arrives (at once
    /// when one already has). Dispose the result once the work has ended, cleanup included.
    /// </summary>
    public static Enlistment Enlist(CancellationTokenSource cancel)
    {
        bool cancelNow;
        lock (Gate)
        {
            RegisterLocked();
            Running.Add(cancel);
            cancelNow = pending is not null;
        }

        if (cancelNow)
        {
            cancel.Cancel();
        }

        return new Enlistment(cancel);
    }

    /// <summary>
    /// Called on the pipeline thread after a cmdlet's work has ended. When a termination signal is pending
    /// and nothing else runs any more, re-raises it and never returns: nothing more of the script may run.
    /// </summary>
    public static void EndProcessIfSignalled()
    {
        PosixSignal signal;
        lock (Gate)
        {
            if (pending is not PosixSignal arrived || Running.Count > 0)
            {
                return;
            }

            signal = arrived;
            UnregisterLocked();
        }

        int number = Number(signal);
        Engine.Native.OwnProcess.Raise(number);

        // The process's own handling ends it now; should that not happen (another handler swallowed the
        // signal), end it as a shell reports a signal death.
        Thread.Sleep(TimeSpan.FromSeconds(5));
        Environment.Exit(128 + number);
    }

    private static void Leave(CancellationTokenSource cancel)
    {
        lock (Gate)
        {
            Running.Remove(cancel);
        }
    }

    private static void RegisterLocked()
    {
        if (Registrations.Count > 0 || !OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        foreach (PosixSignal signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGHUP })
        {
            if (!IsIgnored(Number(signal)))
            {
                Registrations.Add(PosixSignalRegistration.Create(signal, OnSignal));
            }
        }
    }

    private static void UnregisterLocked()
    {
        foreach (PosixSignalRegistration registration in Registrations)
        {
            registration.Dispose();
        }

        Registrations.Clear();
    }

    private static void OnSignal(PosixSignalContext context)
    {
        CancellationTokenSource[] toCancel;
        lock (Gate)
        {
            if (Running.Count == 0 && pending is null)
            {
                return; // nothing of ours runs: the process's own handling applies
            }

            context.Cancel = true;
            pending ??= context.Signal;
            toCancel = [.. Running];
        }

        foreach (CancellationTokenSource cancel in toCancel)
        {
            try
            {
                cancel.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // That work ended meanwhile.
            }
        }
    }

    /// <summary>True when the process ignores the signal (SIG_IGN, as under nohup): SigIgn in /proc/self/status.</summary>
    private static bool IsIgnored(int signal)
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("SigIgn:", StringComparison.Ordinal)
                    && ulong.TryParse(line.AsSpan(7).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong mask))
                {
                    return (mask & (1UL << (signal - 1))) != 0;
                }
            }
        }
        catch (IOException)
        {
        }

        return false;
    }

    private static int Number(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGHUP => 1,
        PosixSignal.SIGINT => 2,
        PosixSignal.SIGQUIT => 3,
        PosixSignal.SIGTERM => 15,
        _ => 15,
    };

    /// <summary>One running piece of work; disposing it says the work and its cleanup have ended.</summary>
    public readonly struct Enlistment(CancellationTokenSource cancel) : IDisposable
    {
        public void Dispose() => Leave(cancel);
    }
}

/// <summary>Handles termination signals while the module is imported (see <see cref="TerminationSignals"/>).</summary>
public sealed class ModuleLifetime : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    public void OnImport() => TerminationSignals.Attach();

    public void OnRemove(PSModuleInfo psModuleInfo) => TerminationSignals.Detach();
}
