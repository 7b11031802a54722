namespace DiskTools.TestFixtures;

/// <summary>Reads /proc/self/mountinfo: which paths are mount points right now.</summary>
public static class MountTable
{
    /// <summary>Every mount point, unescaped (mountinfo writes space, tab, newline and backslash as octal).</summary>
    public static IReadOnlyList<string> MountPoints()
    {
        var points = new List<string>();
        foreach (string line in File.ReadLines("/proc/self/mountinfo"))
        {
            string[] fields = line.Split(' ');
            if (fields.Length > 4)
            {
                points.Add(Unescape(fields[4]));
            }
        }

        return points;
    }

    public static bool IsMounted(string path)
    {
        string target = Normalize(path);
        return MountPoints().Any(p => p == target);
    }

    public static bool HasMountsBelow(string directory)
    {
        string root = Normalize(directory);
        return MountPoints().Any(p => p == root || p.StartsWith(root + "/", StringComparison.Ordinal));
    }

    private static string Normalize(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));

    private static string Unescape(string field)
    {
        if (!field.Contains('\\'))
        {
            return field;
        }

        var text = new System.Text.StringBuilder(field.Length);
        for (int i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && IsOctal(field, i + 1))
            {
                text.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                text.Append(field[i]);
            }
        }

        return text.ToString();
    }

    private static bool IsOctal(string s, int start) =>
        start + 3 <= s.Length && s.Skip(start).Take(3).All(c => c is >= '0' and <= '7');
}
