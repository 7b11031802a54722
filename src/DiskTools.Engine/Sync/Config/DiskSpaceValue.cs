namespace DiskTools.Engine.Sync.Config;

/// <summary>
/// A free-space threshold: a share of the file system ("20%") or an absolute size ("50 GiB", "500MB").
/// Binary (GiB, MiB) and decimal (GB, MB) units are both accepted because df and file managers disagree
/// on which they show; the unit is case-insensitive and the space before it optional.
/// </summary>
public readonly partial record struct DiskSpaceValue
{
    private DiskSpaceValue(double? percent, long bytes, string text)
    {
        Percent = percent;
        Bytes = bytes;
        Text = text;
    }

    /// <summary>The percentage (0 &lt; p ≤ 100) when the value is relative, else null.</summary>
    public double? Percent { get; }

    /// <summary>The size in bytes when the value is absolute, else 0.</summary>
    public long Bytes { get; }

    /// <summary>The value as written in the config, normalised ("20%", "50 GiB").</summary>
    public string Text { get; }

    public bool IsPercent => Percent is not null;

    public static DiskSpaceValue FromPercent(double percent) => Parse(percent.ToString(CultureInfo.InvariantCulture) + "%");

    public static DiskSpaceValue Parse(string text)
        => TryParse(text, out DiskSpaceValue value, out string? error) ? value : throw new FormatException(error);

    public static bool TryParse(string? text, out DiskSpaceValue value, out string? error)
    {
        value = default;
        Match match = Pattern().Match(text ?? string.Empty);
        if (!match.Success)
        {
            error = $"'{text}' is not a disk-space value; write a percentage (20%) or a size with a unit (50 GiB, 500 MiB, 50 GB, 500 MB)";
            return false;
        }

        double number = double.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
        string unit = match.Groups["u"].Value;
        if (unit == "%")
        {
            if (number is <= 0 or > 100)
            {
                error = $"'{text}' is out of range; a percentage must be greater than 0 and at most 100";
                return false;
            }

            value = new DiskSpaceValue(number, 0, number.ToString(CultureInfo.InvariantCulture) + "%");
            error = null;
            return true;
        }

        (long factor, string name) = unit.ToUpperInvariant() switch
        {
            "GIB" => (1L << 30, "GiB"),
            "MIB" => (1L << 20, "MiB"),
            "GB" => (1_000_000_000L, "GB"),
            _ => (1_000_000L, "MB"),
        };
        if (number <= 0)
        {
            error = $"'{text}' must be greater than zero";
            return false;
        }

        value = new DiskSpaceValue(null, (long)Math.Round(number * factor), number.ToString(CultureInfo.InvariantCulture) + " " + name);
        error = null;
        return true;
    }

    /// <summary>The threshold in bytes on a file system of <paramref name="totalBytes"/>.</summary>
    public long ThresholdBytes(long totalBytes)
        => Percent is double p ? (long)Math.Ceiling(totalBytes * p / 100.0) : Bytes;

    /// <summary>True when <paramref name="freeBytes"/> is below the threshold.</summary>
    public bool IsViolatedBy(long freeBytes, long totalBytes) => freeBytes < ThresholdBytes(totalBytes);

    public override string ToString() => Text;

    [GeneratedRegex(@"^\s*(?<n>\d+(\.\d+)?)\s*(?<u>%|[GgMm][Ii]?[Bb])\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
