using System.Diagnostics;

namespace DiskTools.Host;

/// <summary>With DISKTOOLS_TRACE_STARTUP=1, prints how long each start-up phase took (stderr), for tuning start-up.</summary>
internal sealed class StartupTrace
{
    private readonly bool enabled = Environment.GetEnvironmentVariable("DISKTOOLS_TRACE_STARTUP") == "1";
    private readonly long processStart = Process.GetCurrentProcess().StartTime.ToUniversalTime().Ticks;
    private long last = Stopwatch.GetTimestamp();

    public StartupTrace()
    {
        if (enabled)
        {
            Console.Error.WriteLine($"[startup] Main entered {(DateTime.UtcNow.Ticks - processStart) / TimeSpan.TicksPerMillisecond} ms after process start");
        }
    }

    public void Mark(string phase)
    {
        if (!enabled)
        {
            return;
        }

        long now = Stopwatch.GetTimestamp();
        Console.Error.WriteLine($"[startup] {phase}: +{Stopwatch.GetElapsedTime(last, now).TotalMilliseconds:F0} ms");
        last = now;
    }
}
