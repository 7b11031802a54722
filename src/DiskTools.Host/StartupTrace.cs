using System.Diagnostics;

namespace DiskTools.Host;

/// <summary>
/// With DISKTOOLS_TRACE_STARTUP=1, prints the wall and CPU time of each start-up phase to stderr, for tuning
/// start-up (CPU time is the steadier figure on a busy machine). Costs nothing when off.
/// </summary>
internal sealed class StartupTrace
{
    private readonly bool enabled = Environment.GetEnvironmentVariable("DISKTOOLS_TRACE_STARTUP") == "1";
    private long last;
    private TimeSpan lastCpu;

    public StartupTrace()
    {
        if (!enabled)
        {
            return;
        }

        using Process self = Process.GetCurrentProcess();
        last = Stopwatch.GetTimestamp();
        lastCpu = self.TotalProcessorTime;
        Console.Error.WriteLine($"[startup] Main entered {(DateTime.Now - self.StartTime).TotalMilliseconds:F0} ms after process start, {lastCpu.TotalMilliseconds:F0} ms cpu");
    }

    public void Mark(string phase)
    {
        if (!enabled)
        {
            return;
        }

        using Process self = Process.GetCurrentProcess();
        long now = Stopwatch.GetTimestamp();
        TimeSpan cpu = self.TotalProcessorTime;
        Console.Error.WriteLine($"[startup] {phase}: +{Stopwatch.GetElapsedTime(last, now).TotalMilliseconds:F0} ms wall, +{(cpu - lastCpu).TotalMilliseconds:F0} ms cpu");
        last = now;
        lastCpu = cpu;
    }
}
