namespace DiskTools.Engine.DiskUsage;

/// <summary>Human sizes in powers of 1024 with one decimal under 10 (like du -h): 0 B, 812 B, 4.0 KiB, 37 MiB, 1.2 GiB.</summary>
public static class SizeText
{
    private static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

    public static string Format(long bytes)
    {
        if (bytes < 1024)
        {
            return bytes.ToString(CultureInfo.InvariantCulture) + " B";
        }

        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < Units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        string number = value < 10 ? value.ToString("0.0", CultureInfo.InvariantCulture) : Math.Round(value).ToString("0", CultureInfo.InvariantCulture);
        if (number == "1024")
        {
            number = "1.0";
            unit++;
        }

        return number + " " + Units[unit];
    }

    /// <summary>A bar of <paramref name="width"/> cells filled in proportion to <paramref name="share"/> (eighths for smoothness).</summary>
    public static string Bar(double share, int width)
    {
        if (double.IsNaN(share) || share < 0)
        {
            share = 0;
        }

        int eighths = (int)Math.Round(Math.Min(share, 1) * width * 8);
        var cells = new char[width];
        for (int i = 0; i < width; i++)
        {
            int fill = Math.Clamp(eighths - i * 8, 0, 8);
            cells[i] = fill == 0 ? '░' : fill == 8 ? '█' : "▏▎▍▌▋▊▉"[fill - 1];
        }

        return new string(cells);
    }
}
