namespace DiskTools.Engine.Traversal;

/// <summary>
/// A file time as the kernel keeps it (struct statx_timestamp): whole seconds since 1970-01-01 UTC (negative
/// before) and the nanoseconds within that second. btrfs, ext4 and tmpfs store times far past 2262-04-11 and
/// before 1677-09-21, which 64-bit nanoseconds cannot hold, so this is the exact form; the inventory stores it
/// twice, as <see cref="UnixNanoseconds"/> (mtime_ns, compared for change detection) and as
/// <see cref="PostgresMicroseconds"/> (mod_time, the time shown). Both are computed here and nowhere else.
/// </summary>
public readonly record struct FileTimestamp(long Seconds, uint Nanoseconds)
{
    private const long NanosPerSecond = 1_000_000_000;

    /// <summary>Whole seconds whose nanosecond count fits a long whatever the fraction (±9,223,372,035).</summary>
    private const long SafeSeconds = (long.MaxValue / NanosPerSecond) - 1;

    /// <summary>2000-01-01T00:00:00Z, PostgreSQL's timestamp epoch, in Unix seconds.</summary>
    private const long PostgresEpochSeconds = 946_684_800;

    private static readonly long UnixEpochTicks = DateTime.UnixEpoch.Ticks;

    /// <summary>The first and last second a .NET DateTime (and so FileRecord.ModTime) can show, in Unix seconds.</summary>
    private static readonly long MinSeconds = (DateTime.MinValue.Ticks - UnixEpochTicks) / TimeSpan.TicksPerSecond;

    private static readonly long MaxSeconds = (DateTime.MaxValue.Ticks - UnixEpochTicks) / TimeSpan.TicksPerSecond;

    /// <summary>
    /// Nanoseconds since 1970, the form change detection compares (mtime_ns, ctime_ns). Exact from
    /// 1677-09-21T00:12:43.145224192Z to 2262-04-11T23:47:16.854775807Z; a time outside that range saturates to
    /// <see cref="long.MinValue"/> or <see cref="long.MaxValue"/> (so every such time compares equal, and a
    /// change to one is seen through the change time, which the kernel sets to the current time on every change).
    /// </summary>
    public long UnixNanoseconds => Seconds is >= -SafeSeconds and <= SafeSeconds
        ? (Seconds * NanosPerSecond) + Nanoseconds
        : Saturate(((Int128)Seconds * NanosPerSecond) + Nanoseconds);

    /// <summary>
    /// The time as PostgreSQL's binary timestamptz holds it (microseconds since 2000-01-01 UTC), cut to the
    /// microsecond toward the past: what mod_time stores. Exact from year 1 to year 9999; a time outside that
    /// range (which no .NET DateTime, and so no FileRecord.ModTime, could show) is stored as the first or last
    /// microsecond of it.
    /// </summary>
    public long PostgresMicroseconds
    {
        get
        {
            if (Seconds < MinSeconds)
            {
                return (MinSeconds - PostgresEpochSeconds) * 1_000_000;
            }

            if (Seconds > MaxSeconds)
            {
                return ((MaxSeconds - PostgresEpochSeconds) * 1_000_000) + 999_999;
            }

            return ((Seconds - PostgresEpochSeconds) * 1_000_000) + (Nanoseconds / 1000);
        }
    }

    /// <summary>The time a DateTime gives (taken as UTC), to its 100 ns.</summary>
    public static FileTimestamp FromDateTime(DateTime utc)
    {
        long ticks = utc.Ticks - UnixEpochTicks;
        long seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long fraction);
        if (fraction < 0)
        {
            seconds--;
            fraction += TimeSpan.TicksPerSecond;
        }

        return new FileTimestamp(seconds, (uint)(fraction * 100));
    }

    private static long Saturate(Int128 nanoseconds)
        => nanoseconds > long.MaxValue ? long.MaxValue : nanoseconds < long.MinValue ? long.MinValue : (long)nanoseconds;
}
