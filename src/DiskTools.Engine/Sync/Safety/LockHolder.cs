namespace DiskTools.Engine.Sync.Safety;

/// <summary>
/// Who holds a session lock, as its holder wrote into the lock file: "pid=… session=… host=… since=…".
/// A lock file is never shown as it is: only these four fields, each checked for its own form, reach a
/// message, so a file someone else wrote can neither smuggle text onto the console nor reveal its content.
/// </summary>
public sealed partial record LockHolder(int Pid, string SessionId, string Host, DateTimeOffset Since)
{
    /// <summary>The most a holder line can be; anything longer is not one.</summary>
    public const int MaxLength = 400;

    public string Format() => string.Create(CultureInfo.InvariantCulture, $"pid={Pid} session={SessionId} host={Host} since={Since.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}");

    /// <summary>For messages: "session 1a2b3c4d (pid 42 on host box, since 2025-01-01 10:00:00Z)".</summary>
    public string Describe()
        => string.Create(CultureInfo.InvariantCulture, $"session {SessionId} (pid {Pid} on {Host}, started {Since.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z)");

    public override string ToString() => Describe();

    /// <summary>A holder line in the expected form, else null (empty, torn, foreign or hostile content).</summary>
    public static LockHolder? TryParse(string? text)
    {
        if (text is null || text.Length > MaxLength)
        {
            return null;
        }

        Match m = Pattern().Match(text.Trim());
        if (!m.Success
            || !int.TryParse(m.Groups["pid"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
            || !DateTimeOffset.TryParseExact(m.Groups["since"].Value, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset since))
        {
            return null;
        }

        return new LockHolder(pid, m.Groups["session"].Value, m.Groups["host"].Value, since);
    }

    public static LockHolder? TryParse(byte[] content)
    {
        try
        {
            return TryParse(new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetString(content));
        }
        catch (System.Text.DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>A host as the holder line may carry it: printable ASCII without spaces (escaped names stay in that set).</summary>
    public static string SafeHost(string host)
    {
        string escaped = TerminalText.Escape(host).Replace(' ', '_');
        return escaped.Length == 0 ? "unknown" : escaped.Length > 255 ? escaped[..255] : escaped;
    }

    [GeneratedRegex(@"^pid=(?<pid>[0-9]{1,10}) session=(?<session>[0-9a-f]{8}) host=(?<host>[\x21-\x7e]{1,255}) since=(?<since>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
