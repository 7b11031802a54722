namespace DiskTools.Engine.Btrfs;

/// <summary>The parts of a snapshot name.</summary>
public readonly record struct SnapshotNameParts(string Subvolume, SnapshotPhase Phase, DateTime Timestamp, string SessionId);

/// <summary>
/// The one naming pattern DiskTools creates, lists and deletes:
/// <c>&lt;subvolume&gt;-&lt;presync|postsync|manual&gt;-&lt;yyyyMMddTHHmmss&gt;-&lt;session&gt;</c>, the timestamp in UTC
/// and the session 8 lower-case hex digits, e.g. <c>@home-presync-20251129T143022-abc12345</c>. Anything not
/// matching it exactly is never treated as a DiskTools snapshot, so it is never deleted.
/// </summary>
public static partial class SnapshotName
{
    public const string TimestampFormat = "yyyyMMdd'T'HHmmss";

    /// <summary>Builds a snapshot name; the timestamp is converted to UTC and truncated to whole seconds.</summary>
    public static string Format(string subvolume, SnapshotPhase phase, DateTime timestamp, string sessionId)
    {
        ValidateSubvolume(subvolume);
        string session = NormalizeSessionId(sessionId);
        DateTime utc = timestamp.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(timestamp, DateTimeKind.Utc) : timestamp.ToUniversalTime();
        return $"{subvolume}-{PhaseText(phase)}-{utc.ToString(TimestampFormat, CultureInfo.InvariantCulture)}-{session}";
    }

    /// <summary>Splits a name made by <see cref="Format"/>; false for anything else.</summary>
    public static bool TryParse(string name, out SnapshotNameParts parts)
    {
        parts = default;
        Match match = Pattern().Match(name);
        if (!match.Success
            || !DateTime.TryParseExact(match.Groups["time"].Value, TimestampFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out DateTime timestamp))
        {
            return false;
        }

        SnapshotPhase phase = match.Groups["phase"].Value switch
        {
            "presync" => SnapshotPhase.PreSync,
            "postsync" => SnapshotPhase.PostSync,
            _ => SnapshotPhase.Manual,
        };
        parts = new SnapshotNameParts(match.Groups["subvolume"].Value, phase, DateTime.SpecifyKind(timestamp, DateTimeKind.Utc), match.Groups["session"].Value);
        return true;
    }

    public static string PhaseText(SnapshotPhase phase) => phase switch
    {
        SnapshotPhase.PreSync => "presync",
        SnapshotPhase.PostSync => "postsync",
        SnapshotPhase.Manual => "manual",
        _ => throw new ArgumentOutOfRangeException(nameof(phase), phase, "Unknown snapshot phase."),
    };

    /// <summary>A fresh random session id: 8 lower-case hex digits.</summary>
    public static string NewSessionId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    public static bool IsValidSessionId(string? sessionId) => sessionId is not null && SessionPattern().IsMatch(sessionId);

    /// <summary>Accepts 8 hex digits in either case and returns them in lower case.</summary>
    public static string NormalizeSessionId(string sessionId)
        => IsValidSessionId(sessionId)
            ? sessionId.ToLowerInvariant()
            : throw new ArgumentException($"'{sessionId}' is not a session id: expected exactly 8 hexadecimal digits, e.g. abc12345.", nameof(sessionId));

    /// <summary>
    /// A subvolume name must be a flat top-level name as <c>btrfs subvolume list</c> shows it: no '/', no
    /// newline (it would break that listing), not "." or "..", and short enough for the snapshot name.
    /// </summary>
    public static void ValidateSubvolume(string subvolume)
    {
        if (!IsValidSubvolume(subvolume, out string? why))
        {
            throw new ArgumentException($"'{subvolume}' is not a usable subvolume name: {why}", nameof(subvolume));
        }
    }

    public static bool IsValidSubvolume(string subvolume, out string? why)
    {
        why = subvolume switch
        {
            null or "" => "it is empty.",
            "." or ".." => "it is a relative directory name.",
            _ when subvolume.Contains('/', StringComparison.Ordinal) => "only top-level subvolumes (flat names without '/') can be snapshotted.",
            _ when subvolume.IndexOfAny(['\n', '\r', '\0']) >= 0 => "it contains a line break or NUL.",
            _ when System.Text.Encoding.UTF8.GetByteCount(subvolume) > 255 - 32 => "it is too long to leave room for the phase, timestamp and session.",
            _ => null,
        };
        return why is null;
    }

    // The subvolume part is greedy, so a subvolume that itself contains "-manual-…" still parses from the right.
    [GeneratedRegex(@"^(?<subvolume>.+)-(?<phase>presync|postsync|manual)-(?<time>\d{8}T\d{6})-(?<session>[0-9a-f]{8})$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex Pattern();

    [GeneratedRegex("^[0-9a-fA-F]{8}$", RegexOptions.CultureInvariant)]
    private static partial Regex SessionPattern();
}
