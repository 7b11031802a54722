namespace DiskTools.Engine.Btrfs;

/// <summary>One line of /proc/self/mountinfo.</summary>
/// <param name="Device">major:minor of the filesystem; equal for every mount of one btrfs filesystem.</param>
/// <param name="Root">The path inside the filesystem that is mounted ("/" for btrfs's top level, "/@home" for subvol=@home).</param>
/// <param name="MountPoint">Where it is mounted.</param>
/// <param name="FileSystemType">e.g. btrfs, ext4.</param>
/// <param name="Source">The mount source, e.g. /dev/sda2.</param>
public sealed record MountEntry(int Id, int ParentId, string Device, string Root, string MountPoint, string FileSystemType, string Source);

/// <summary>
/// Parses /proc/self/mountinfo (proc(5)) — the host's own view of its mounts, which is how a top-level
/// subvolume name is found where it is actually mounted instead of guessing "@x is at /x".
/// </summary>
public sealed class MountInfo
{
    private MountInfo(IReadOnlyList<MountEntry> entries) => Entries = entries;

    public IReadOnlyList<MountEntry> Entries { get; }

    public static MountInfo Parse(string text)
    {
        var entries = new List<MountEntry>();
        foreach (string line in text.Split('\n'))
        {
            string[] fields = line.Split(' ');
            int separator = fields.Length < 10 ? -1 : Array.IndexOf(fields, "-", 6);
            if (separator < 0 || separator + 2 >= fields.Length)
            {
                continue;
            }

            entries.Add(new MountEntry(
                int.Parse(fields[0], CultureInfo.InvariantCulture),
                int.Parse(fields[1], CultureInfo.InvariantCulture),
                fields[2],
                Unescape(fields[3]),
                Unescape(fields[4]),
                fields[separator + 1],
                Unescape(fields[separator + 2])));
        }

        return new MountInfo(entries);
    }

    /// <summary>The mount that holds an absolute, symlink-free path: the longest mount point prefix, the last mounted on top.</summary>
    public MountEntry? MountContaining(string path)
    {
        MountEntry? best = null;
        foreach (MountEntry entry in Entries)
        {
            if (IsUnder(path, entry.MountPoint) && (best is null || entry.MountPoint.Length >= best.MountPoint.Length))
            {
                best = entry;
            }
        }

        return best;
    }

    /// <summary>
    /// Where the filesystem path <paramref name="pathInFileSystem"/> (e.g. "/@home") can be reached: a mount of
    /// that exact root wins (subvol=@home at /home), else a mount of an ancestor (the top level at /mnt/pool
    /// gives /mnt/pool/@home). Null when no mount of the device exposes it.
    /// </summary>
    public string? Locate(string device, string pathInFileSystem)
    {
        MountEntry? exact = Entries.LastOrDefault(e => e.Device == device && e.FileSystemType == "btrfs" && e.Root == pathInFileSystem);
        if (exact is not null)
        {
            return exact.MountPoint;
        }

        MountEntry? ancestor = Entries
            .Where(e => e.Device == device && e.FileSystemType == "btrfs" && IsUnder(pathInFileSystem, e.Root))
            .OrderBy(e => e.Root.Length)
            .LastOrDefault();
        if (ancestor is null)
        {
            return null;
        }

        string rest = pathInFileSystem[ancestor.Root.TrimEnd('/').Length..].TrimStart('/');
        return rest.Length == 0 ? ancestor.MountPoint : $"{ancestor.MountPoint.TrimEnd('/')}/{rest}";
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="directory"/> or below it (whole components only).</summary>
    public static bool IsUnder(string path, string directory)
    {
        if (directory == "/")
        {
            return path.StartsWith('/');
        }

        return path == directory || (path.StartsWith(directory, StringComparison.Ordinal) && path.Length > directory.Length && path[directory.Length] == '/');
    }

    /// <summary>mountinfo writes space, tab, newline and backslash as \ooo octal escapes.</summary>
    internal static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var bytes = new List<byte>(field.Length);
        for (int i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && IsOctal(field, i + 1))
            {
                bytes.Add((byte)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(field[i].ToString()));
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static bool IsOctal(string text, int start)
        => start + 3 <= text.Length && text.Substring(start, 3).All(c => c is >= '0' and <= '7');
}
