namespace DiskTools.Engine.Native;

/// <summary>getrlimit(2) for the limits the walkers plan around.</summary>
internal static unsafe class ProcessLimits
{
    private const int OpenFilesResource = 7; // RLIMIT_NOFILE

    /// <summary>The soft limit on open file descriptors (1024, the usual default, when it cannot be read).</summary>
    public static long OpenFiles()
    {
        RLimit limit;
        return Libc.GetRLimit(OpenFilesResource, &limit) == 0 ? (long)Math.Min(limit.Current, long.MaxValue) : 1024;
    }
}
