namespace DiskTools.Engine.Sync.Jobs;

/// <summary>One overall-progress line of rsync --info=progress2.</summary>
/// <param name="Bytes">Bytes transferred so far.</param>
/// <param name="Percent">rsync's own overall percentage.</param>
/// <param name="Rate">The rate as rsync prints it ("12.34MB/s").</param>
/// <param name="Remaining">rsync's time estimate (elapsed time on the final line).</param>
/// <param name="Transfers">Files transferred so far (xfr#), when shown.</param>
/// <param name="ToCheck">Files still to check, when shown.</param>
/// <param name="Total">Files in the transfer list, when shown.</param>
/// <param name="TotalKnown">False while rsync is still scanning (ir-chk): Total can still grow.</param>
public sealed record RsyncProgress(long Bytes, int Percent, string Rate, TimeSpan? Remaining, long? Transfers, long? ToCheck, long? Total, bool TotalKnown)
{
    /// <summary>Files checked so far.</summary>
    public long? Checked => Total is long total && ToCheck is long left ? total - left : null;
}

/// <summary>One itemized change (rsync -i): the 11-character change summary and the path it concerns.</summary>
public sealed record RsyncItem(string Change, string Path)
{
    public bool IsDeletion => Change.StartsWith("*deleting", StringComparison.Ordinal);

    /// <summary>What happens to the path, in words, so a deletion never reads like a copy: "deleted", "copied", …</summary>
    public string Action => IsDeletion ? "deleted"
        : Change.Length == 0 ? "changed"
        : Change[0] switch
        {
            '>' or '<' => "copied",
            'c' => "created",
            'h' => "hard-linked",
            '.' => "attributes updated:",
            _ => "changed",
        };

    /// <summary>"deleted old.txt", "copied a.txt" — for the console and the log's message.</summary>
    public string Describe() => Action + " " + Path;
}

/// <summary>
/// Reads rsync's stdout with --info=progress2 and -i. Progress updates end with a carriage return and
/// itemized lines with a newline, and the two interleave, so the stream is split on both.
/// </summary>
public static partial class RsyncOutput
{
    /// <summary>Splits a chunk of output into segments on CR and LF, dropping empty ones.</summary>
    public static IEnumerable<string> Segments(string text)
        => text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries).Where(s => s.Trim().Length > 0);

    public static bool TryParseProgress(string segment, out RsyncProgress progress)
    {
        progress = null!;
        Match m = ProgressPattern().Match(segment);
        if (!m.Success)
        {
            return false;
        }

        long bytes = long.Parse(m.Groups["bytes"].Value.Replace(",", "", StringComparison.Ordinal).Replace(".", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
        int percent = int.Parse(m.Groups["pct"].Value, CultureInfo.InvariantCulture);
        TimeSpan? remaining = TimeSpan.TryParseExact(m.Groups["time"].Value, [@"h\:mm\:ss", @"hh\:mm\:ss", @"d\:hh\:mm\:ss"], CultureInfo.InvariantCulture, out TimeSpan t) ? t : null;
        long? xfr = m.Groups["xfr"].Success ? long.Parse(m.Groups["xfr"].Value, CultureInfo.InvariantCulture) : null;
        long? left = m.Groups["left"].Success ? long.Parse(m.Groups["left"].Value, CultureInfo.InvariantCulture) : null;
        long? total = m.Groups["total"].Success ? long.Parse(m.Groups["total"].Value, CultureInfo.InvariantCulture) : null;
        progress = new RsyncProgress(bytes, Math.Clamp(percent, 0, 100), m.Groups["rate"].Value, remaining, xfr, left, total, m.Groups["kind"].Value == "to");
        return true;
    }

    public static bool TryParseItem(string segment, out RsyncItem item)
    {
        item = null!;
        Match m = ItemPattern().Match(segment);
        if (!m.Success)
        {
            return false;
        }

        item = new RsyncItem(m.Groups["change"].Value.TrimEnd(), m.Groups["path"].Value);
        return true;
    }

    [GeneratedRegex(@"^\s*(?<bytes>[\d,.]+)\s+(?<pct>\d{1,3})%\s+(?<rate>\S+/s)\s+(?<time>[\d:]+)(\s+\(xfr#(?<xfr>\d+),\s*(?<kind>ir|to)-chk=(?<left>\d+)/(?<total>\d+)\))?\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex ProgressPattern();

    // YXcstpoguax: update type, file type, then nine or more attribute flags; or "*deleting".
    [GeneratedRegex(@"^(?<change>\*deleting\s*|[<>ch.][fdLDS][.+ ?a-zA-Z]{9,10}) (?<path>.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex ItemPattern();
}
