namespace DiskTools.Engine.Btrfs;

/// <summary>One line of <c>btrfs subvolume list -u -q</c>.</summary>
/// <param name="Id">Subvolume id.</param>
/// <param name="Generation">Generation of the last change.</param>
/// <param name="TopLevel">Id of the subvolume containing it (5 = the top level).</param>
/// <param name="ParentUuid">UUID of the subvolume it is a snapshot of, or null.</param>
/// <param name="Uuid">Its UUID, or null.</param>
/// <param name="Path">Path relative to the filesystem's top level, e.g. "@/.snapshots/@home-manual-…".</param>
/// <param name="CreatedUtc">When btrfs created it (otime), from a listing with -s run under TZ=UTC0; null when not listed.</param>
public sealed record SubvolumeListEntry(long Id, long Generation, long TopLevel, Guid? ParentUuid, Guid? Uuid, string Path, DateTime? CreatedUtc = null)
{
    public const long TopLevelId = 5;
}

/// <summary>
/// Parses <c>btrfs subvolume list -a</c> output. The path is the rest of the line after "path ", so names with
/// spaces and shell metacharacters survive; a name with a newline cannot be told apart and is rejected earlier.
/// </summary>
/// <remarks>
/// Without -a, btrfs-progs prints subvolumes below the listed path relative to the subvolume holding that
/// path, and the others from the top level — the same subvolume gets different names depending on where
/// one looks. With -a, every path is from the top level, some prefixed "&lt;FS_TREE&gt;/", which is stripped.
/// </remarks>
public static partial class SubvolumeListing
{
    private const string TopLevelPrefix = "<FS_TREE>/";

    public static IReadOnlyList<SubvolumeListEntry> Parse(string output)
    {
        var entries = new List<SubvolumeListEntry>();
        foreach (string line in output.Split('\n'))
        {
            Match match = Line().Match(line.TrimEnd('\r'));
            if (!match.Success)
            {
                continue;
            }

            entries.Add(new SubvolumeListEntry(
                long.Parse(match.Groups["id"].Value, CultureInfo.InvariantCulture),
                long.Parse(match.Groups["gen"].Value, CultureInfo.InvariantCulture),
                long.Parse(match.Groups["top"].Value, CultureInfo.InvariantCulture),
                ParseUuid(match.Groups["puuid"].Value),
                ParseUuid(match.Groups["uuid"].Value),
                StripTopLevelPrefix(match.Groups["path"].Value),
                ParseTime(match.Groups["otime"].Value)));
        }

        return entries;
    }

    private static string StripTopLevelPrefix(string path)
        => path.StartsWith(TopLevelPrefix, StringComparison.Ordinal) ? path[TopLevelPrefix.Length..] : path;

    /// <summary>
    /// A btrfs time as 'btrfs subvolume list -s' prints it ("2025-06-30 12:00:00", in the TZ of the command,
    /// which DiskTools sets to UTC), or as 'btrfs subvolume show' does (with a "+0000" offset); null for "-".
    /// </summary>
    public static DateTime? ParseTime(string text)
    {
        text = text.Trim();
        string local = text.Length >= 19 ? text[..19] : text;
        if (!DateTime.TryParseExact(local, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTime time))
        {
            return null;
        }

        TimeSpan offset = TimeSpan.Zero;
        string rest = text[local.Length..].Trim().Replace(":", string.Empty, StringComparison.Ordinal);
        if (rest.Length > 0)
        {
            if (rest.Length != 5 || rest[0] is not ('+' or '-')
                || !int.TryParse(rest.AsSpan(1, 2), NumberStyles.None, CultureInfo.InvariantCulture, out int hours)
                || !int.TryParse(rest.AsSpan(3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out int minutes))
            {
                return null;
            }

            offset = new TimeSpan(hours, minutes, 0) * (rest[0] == '-' ? -1 : 1);
        }

        return DateTime.SpecifyKind(time - offset, DateTimeKind.Utc);
    }

    /// <summary>A btrfs UUID field; "-" (none) and anything unparsable become null.</summary>
    public static Guid? ParseUuid(string text) => Guid.TryParse(text, out Guid uuid) && uuid != Guid.Empty ? uuid : null;

    [GeneratedRegex(@"^ID (?<id>\d+) gen (?<gen>\d+)(?: cgen \d+)?(?: parent \d+)? top level (?<top>\d+)(?: otime (?<otime>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d|-))?(?:\s+parent_uuid (?<puuid>\S+))?(?:\s+received_uuid \S+)?(?:\s+uuid (?<uuid>\S+))? path (?<path>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex Line();
}

/// <summary>What <c>btrfs subvolume show</c> reports about one subvolume.</summary>
public sealed record SubvolumeDetails(string Name, Guid? Uuid, Guid? ParentUuid, long Id, long Generation, bool ReadOnly, DateTime? CreatedUtc = null);

/// <summary>Parses <c>btrfs subvolume show</c> output ("Key: value" lines, tab-indented).</summary>
public static class SubvolumeShow
{
    public static SubvolumeDetails Parse(string output)
    {
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string raw in output.Split('\n'))
        {
            string line = raw.Trim();
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            fields.TryAdd(line[..colon].Trim(), line[(colon + 1)..].Trim());
        }

        string Field(string key) => fields.TryGetValue(key, out string? value) ? value : string.Empty;
        long Number(string key) => long.TryParse(Field(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) ? n : 0;
        return new SubvolumeDetails(
            Field("Name"),
            SubvolumeListing.ParseUuid(Field("UUID")),
            SubvolumeListing.ParseUuid(Field("Parent UUID")),
            Number("Subvolume ID"),
            Number("Generation"),
            Field("Flags").Split([' ', ','], StringSplitOptions.RemoveEmptyEntries).Contains("readonly", StringComparer.Ordinal),
            SubvolumeListing.ParseTime(Field("Creation time")));
    }
}
