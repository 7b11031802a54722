namespace DiskTools.Engine.InventoryImport;

/// <summary>
/// Turns the loosely typed values of a baseline file into inventory values: sizes as non-negative integers,
/// times as ISO 8601 (UTC unless an offset is given) or Unix seconds, paths made relative to the root.
/// </summary>
public static class InventoryValueParser
{
    /// <summary>Access times further ahead of now than this are refused (a client's clock was wrong).</summary>
    public static readonly TimeSpan MaxFutureSkew = TimeSpan.FromDays(7);

    /// <summary>Times before this are refused: no file was written then, and year 1 would be stored as -infinity.</summary>
    public static readonly DateTime EarliestPlausible = new(1900, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static readonly string[] PathNames = ["path", "file_path", "filepath", "fullname", "full_path"];
    private static readonly string[] SizeNames = ["size", "file_size", "length", "bytes"];
    private static readonly string[] ModifiedNames = ["modified", "mod_time", "mtime", "modified_utc", "last_modified", "lastwritetime", "lastwritetimeutc"];
    private static readonly string[] AccessedNames = ["accessed", "atime", "last_accessed", "accessed_utc", "lastaccesstime", "lastaccesstimeutc"];

    /// <summary>Finds the path, size, modified and (optional) accessed columns by name, case-insensitively.</summary>
    public static (int Path, int Size, int Modified, int Accessed) MapColumns(IReadOnlyList<string> header)
    {
        int Find(string[] names)
        {
            for (int i = 0; i < header.Count; i++)
            {
                if (names.Contains(header[i].Trim().ToLowerInvariant()))
                {
                    return i;
                }
            }

            return -1;
        }

        (int path, int size, int modified, int accessed) = (Find(PathNames), Find(SizeNames), Find(ModifiedNames), Find(AccessedNames));
        var missing = new List<string>();
        if (path < 0) missing.Add("path");
        if (size < 0) missing.Add("size");
        if (modified < 0) missing.Add("modified");
        if (missing.Count > 0)
        {
            throw new InvalidDataException($"No {string.Join(", ", missing)} column (found: {string.Join(", ", header)}). Expected columns path, size, modified and optionally accessed.");
        }

        return (path, size, modified, accessed);
    }

    public static bool TryParseSize(ReadOnlySpan<byte> utf8, out long size, out string? error)
    {
        ReadOnlySpan<byte> value = utf8.Trim(" \t"u8);
        if (System.Buffers.Text.Utf8Parser.TryParse(value, out size, out int consumed) && consumed == value.Length && size >= 0 && value[0] != (byte)'-' && value[0] != (byte)'+')
        {
            error = null;
            return true;
        }

        return TryParseSize(System.Text.Encoding.UTF8.GetString(utf8), out size, out error);
    }

    /// <summary>
    /// A time from UTF-8 text: the usual ISO 8601 forms ("2025-01-01T00:00:00Z", with fraction or offset) are
    /// read directly; anything else goes through <see cref="TryParseTime(string?, string, out DateTime, out string?)"/>.
    /// </summary>
    public static bool TryParseTime(ReadOnlySpan<byte> utf8, string column, out DateTime utc, out string? error)
    {
        if (TryParseIso(utf8.Trim(" \t"u8), out utc))
        {
            error = null;
            return true;
        }

        return TryParseTime(System.Text.Encoding.UTF8.GetString(utf8), column, out utc, out error);
    }

    /// <summary>
    /// Refuses times no real file has: before <see cref="EarliestPlausible"/>, and access times more than
    /// <see cref="MaxFutureSkew"/> ahead of <paramref name="nowUtc"/>.
    /// </summary>
    public static bool CheckPlausible(DateTime modifiedUtc, DateTime? accessedUtc, DateTime nowUtc, out string? error)
    {
        error = null;
        if (modifiedUtc < EarliestPlausible)
        {
            error = $"modified {Show(modifiedUtc)} is before {EarliestPlausible.Year}: not a real file time";
        }
        else if (accessedUtc is DateTime accessed && accessed < EarliestPlausible)
        {
            error = $"accessed {Show(accessed)} is before {EarliestPlausible.Year}: not a real file time";
        }
        else if (accessedUtc is DateTime ahead && ahead > nowUtc + MaxFutureSkew)
        {
            error = $"accessed {Show(ahead)} is more than {MaxFutureSkew.TotalDays:0} days in the future (a wrong clock)";
        }

        return error is null;
    }

    private static string Show(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static bool TryParseIso(ReadOnlySpan<byte> s, out DateTime utc)
    {
        utc = default;
        // yyyy-MM-ddTHH:mm:ss, then an optional fraction, then Z or ±HH:MM.
        if (s.Length < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
        {
            return false;
        }

        if (!Digits(s[..4], out int year) || !Digits(s.Slice(5, 2), out int month) || !Digits(s.Slice(8, 2), out int day)
            || !Digits(s.Slice(11, 2), out int hour) || !Digits(s.Slice(14, 2), out int minute) || !Digits(s.Slice(17, 2), out int second))
        {
            return false;
        }

        int pos = 19;
        long fractionTicks = 0;
        if (pos < s.Length && s[pos] == '.')
        {
            int digits = 0;
            pos++;
            while (pos < s.Length && s[pos] >= '0' && s[pos] <= '9')
            {
                if (digits < 7)
                {
                    fractionTicks = (fractionTicks * 10) + (s[pos] - '0');
                    digits++;
                }

                pos++;
            }

            if (digits == 0)
            {
                return false;
            }

            for (; digits < 7; digits++)
            {
                fractionTicks *= 10;
            }
        }

        TimeSpan offset;
        if (pos == s.Length - 1 && (s[pos] == 'Z' || s[pos] == 'z'))
        {
            offset = TimeSpan.Zero;
        }
        else if (pos == s.Length - 6 && (s[pos] == '+' || s[pos] == '-') && s[pos + 3] == ':'
            && Digits(s.Slice(pos + 1, 2), out int offsetHours) && Digits(s.Slice(pos + 4, 2), out int offsetMinutes) && offsetHours <= 14 && offsetMinutes < 60)
        {
            offset = new TimeSpan(offsetHours, offsetMinutes, 0);
            if (s[pos] == '-')
            {
                offset = -offset;
            }
        }
        else
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        long ticks = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).Ticks + fractionTicks - offset.Ticks;
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
        {
            return false;
        }

        utc = new DateTime(ticks, DateTimeKind.Utc);
        return true;
    }

    private static bool Digits(ReadOnlySpan<byte> span, out int value)
    {
        value = 0;
        foreach (byte b in span)
        {
            if (b < '0' || b > '9')
            {
                return false;
            }

            value = (value * 10) + (b - '0');
        }

        return true;
    }

    public static bool TryParseSize(string? text, out long size, out string? error)
    {
        error = null;
        if (long.TryParse(text?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out size))
        {
            return true;
        }

        error = $"size '{text}' is not a non-negative integer";
        return false;
    }

    public static bool TryParseTime(string? text, string column, out DateTime utc, out string? error)
    {
        error = null;
        utc = default;
        string value = text?.Trim() ?? string.Empty;
        if (value.Length == 0)
        {
            error = $"{column} is empty";
            return false;
        }

        if (double.TryParse(value, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out double seconds))
        {
            if (seconds is < -62135596800 or > 253402300799)
            {
                error = $"{column} '{value}' is out of range";
                return false;
            }

            utc = DateTime.UnixEpoch.AddTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));
            return true;
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset parsed))
        {
            utc = parsed.UtcDateTime;
            return true;
        }

        error = $"{column} '{value}' is neither an ISO 8601 time nor Unix seconds";
        return false;
    }

    /// <summary>
    /// A path below <paramref name="root"/>: absolute paths must lie under it; relative ones are taken as
    /// relative to it. Refuses empty paths, the root itself, and '.'/'..' segments.
    /// </summary>
    public static bool TryMakeRelative(string? text, string root, out string relative, out string? error)
    {
        relative = string.Empty;
        error = null;
        string value = text ?? string.Empty;
        if (value.StartsWith('/'))
        {
            string prefix = root == "/" ? "/" : root + "/";
            if (!value.StartsWith(prefix, StringComparison.Ordinal))
            {
                error = $"path '{value}' is not under the root '{root}'";
                return false;
            }

            value = value[prefix.Length..];
        }
        else if (value.StartsWith("./", StringComparison.Ordinal))
        {
            value = value[2..];
        }

        value = value.TrimEnd('/');
        if (value.Length == 0 || value.Contains('\0') || HasBadSegment(value))
        {
            error = $"path '{text}' does not name a file below the root";
            return false;
        }

        relative = value;
        return true;
    }

    private static bool HasBadSegment(string path)
    {
        foreach (Range segment in path.AsSpan().Split('/'))
        {
            ReadOnlySpan<char> part = path.AsSpan()[segment];
            if (part.IsEmpty || part is "." || part is "..")
            {
                return true;
            }
        }

        return false;
    }
}
