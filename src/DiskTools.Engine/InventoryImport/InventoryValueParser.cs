using System.Globalization;

namespace DiskTools.Engine.InventoryImport;

/// <summary>
/// Turns the loosely typed values of a baseline file into inventory values: sizes as non-negative integers,
/// times as ISO 8601 (UTC unless an offset is given) or Unix seconds, paths made relative to the root.
/// </summary>
public static class InventoryValueParser
{
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
        if (value.Length == 0 || value.Contains('\0') || value.Split('/').Any(s => s is "" or "." or ".."))
        {
            error = $"path '{text}' does not name a file below the root";
            return false;
        }

        relative = value;
        return true;
    }
}
