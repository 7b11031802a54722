namespace DiskTools.Engine.Sync.Logging;

/// <summary>
/// Where session logs live: $XDG_DATA_HOME/disktools/logs (default ~/.local/share/disktools/logs), one
/// file per session named sync-&lt;yyyyMMddTHHmmss&gt;-&lt;session&gt;.jsonl (UTC), so a plain `ls` sorts them by time.
/// </summary>
public static class SessionLogLocation
{
    public const string FilePrefix = "sync-";
    public const string FileExtension = ".jsonl";

    public static string DefaultDirectory
    {
        get
        {
            string? dataHome = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
            if (string.IsNullOrWhiteSpace(dataHome) || !Path.IsPathRooted(dataHome))
            {
                // The XDG spec says a relative value must be ignored.
                dataHome = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
            }

            return Path.Combine(dataHome, "disktools", "logs");
        }
    }

    public static string FileName(DateTimeOffset startedAt, string sessionId)
        => FilePrefix + startedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture) + "-" + sessionId + FileExtension;

    /// <summary>Parses a log file name back into its start time and session id; false for other files.</summary>
    public static bool TryParseFileName(string fileName, out DateTimeOffset startedAt, out string sessionId)
    {
        startedAt = default;
        sessionId = string.Empty;
        string name = Path.GetFileName(fileName);
        if (!name.StartsWith(FilePrefix, StringComparison.Ordinal) || !name.EndsWith(FileExtension, StringComparison.Ordinal))
        {
            return false;
        }

        string core = name[FilePrefix.Length..^FileExtension.Length];
        int dash = core.LastIndexOf('-');
        if (dash < 0 || !SessionIds.IsValid(core[(dash + 1)..]))
        {
            return false;
        }

        if (!DateTime.TryParseExact(core[..dash], "yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTime time))
        {
            return false;
        }

        startedAt = new DateTimeOffset(time, TimeSpan.Zero);
        sessionId = core[(dash + 1)..];
        return true;
    }
}

/// <summary>Session ids: 8 lower-case hex characters from a cryptographic source.</summary>
public static class SessionIds
{
    public static string New() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4));

    public static bool IsValid(string? id)
        => id is { Length: 8 } && id.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));
}
