namespace DiskTools.Engine.Sync.Logging;

/// <summary>
/// The six levels of a sync session, most verbose first. FULL sits between DEBUG and INFO: it carries
/// file-level detail (every item rsync changed) that is too much for the console but belongs in the log.
/// </summary>
public enum LogLevel
{
    Debug = 0,
    Full = 1,
    Info = 2,
    Warning = 3,
    Error = 4,
    Critical = 5,
}

/// <summary>Names of the levels as they appear in the config file and the JSON log (upper case).</summary>
public static class LogLevels
{
    public static IReadOnlyList<string> Names { get; } = ["DEBUG", "FULL", "INFO", "WARNING", "ERROR", "CRITICAL"];

    public static string ToName(this LogLevel level) => Names[(int)level];

    /// <summary>Case-insensitive parse of a level name; false for anything else (numbers included).</summary>
    public static bool TryParse(string? text, out LogLevel level)
    {
        for (int i = 0; i < Names.Count; i++)
        {
            if (string.Equals(Names[i], text?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                level = (LogLevel)i;
                return true;
            }
        }

        level = LogLevel.Info;
        return false;
    }

    /// <summary>True when an event at <paramref name="level"/> passes a consumer set to <paramref name="threshold"/>.</summary>
    public static bool Passes(this LogLevel level, LogLevel threshold) => level >= threshold;
}
