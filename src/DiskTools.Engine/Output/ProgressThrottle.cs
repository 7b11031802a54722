namespace DiskTools.Engine.Output;

/// <summary>
/// Lets progress through at most every <see cref="Interval"/>, and only after the operation has run for
/// <see cref="Delay"/> (short operations show no bar at all). Thread-safe and cheap to ask often.
/// </summary>
public sealed class ProgressThrottle
{
    private readonly long delayTicks;
    private readonly long intervalTicks;
    private readonly long startedAt = Stopwatch.GetTimestamp();
    private long lastEmitted;

    public ProgressThrottle(TimeSpan? interval = null, TimeSpan? delay = null)
    {
        Interval = interval ?? TimeSpan.FromMilliseconds(250);
        Delay = delay ?? TimeSpan.FromMilliseconds(500);
        intervalTicks = (long)(Interval.TotalSeconds * Stopwatch.Frequency);
        delayTicks = (long)(Delay.TotalSeconds * Stopwatch.Frequency);
    }

    public TimeSpan Interval { get; }

    public TimeSpan Delay { get; }

    /// <summary>True when any update has been let through (so a Completed record is owed).</summary>
    public bool HasEmitted => Interlocked.Read(ref lastEmitted) != 0;

    /// <summary>True when an update may be sent now; claims the slot when it returns true.</summary>
    public bool TryEnter()
    {
        long now = Stopwatch.GetTimestamp();
        if (now - startedAt < delayTicks)
        {
            return false;
        }

        long last = Interlocked.Read(ref lastEmitted);
        if (last != 0 && now - last < intervalTicks)
        {
            return false;
        }

        return Interlocked.CompareExchange(ref lastEmitted, now, last) == last;
    }
}
