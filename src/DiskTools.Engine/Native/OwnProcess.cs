namespace DiskTools.Engine.Native;

/// <summary>Signals for the running process itself, for the module's termination handling (kill(2) on our own pid).</summary>
public static class OwnProcess
{
    /// <summary>Sends <paramref name="signal"/> to this process, so its default action (ending it) takes place.</summary>
    public static void Raise(int signal) => _ = Libc.Kill(Environment.ProcessId, signal);
}
