using DiskTools.Engine.Native;

namespace DiskTools.Engine.Remoting;

/// <summary>kill(2) for process groups; .NET's Process only signals single processes.</summary>
internal static class ProcessSignals
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    /// <summary>Signals every process in the group; false when the group no longer exists.</summary>
    public static bool SignalGroup(int processGroupId, int signal)
    {
        if (processGroupId <= 1)
        {
            return false; // never -1 (every process) or 0 (our own group)
        }

        if (Libc.Kill(-processGroupId, signal) == 0)
        {
            return true;
        }

        return Marshal.GetLastPInvokeError() != Errno.ESRCH;
    }

    /// <summary>True while any process of the group is alive (signal 0 probes without signalling).</summary>
    public static bool GroupExists(int processGroupId) => processGroupId > 1 && Libc.Kill(-processGroupId, 0) == 0;
}
