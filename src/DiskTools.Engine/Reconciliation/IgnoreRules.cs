namespace DiskTools.Engine.Reconciliation;

/// <summary>
/// What the inventory leaves out. By default: the system areas '.lumilio' and 'inbox' directly under the
/// root; hidden entries (a name starting with '.', directories included, so '.git' is not descended);
/// names ending in '~'; '*.tmp', '*.temp', '.DS_Store' and 'Thumbs.db' (the last three compared without
/// case, as the tools that leave them behind do). -Exclude globs add to these. An excluded directory's
/// whole subtree is left out, and records under it are removed by the next full pass.
/// </summary>
public sealed class IgnoreRules
{
    private readonly GlobPattern[] patterns;

    public IgnoreRules(IEnumerable<string>? exclude)
        => patterns = (exclude ?? []).Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => new GlobPattern(p)).ToArray();

    /// <summary>True when the entry (and, for a directory, everything below it) is left out.</summary>
    /// <param name="relativePath">The entry's path relative to the root ('/'-separated).</param>
    /// <param name="name">The entry's own name.</param>
    /// <param name="isDirectory">Whether the entry is a directory.</param>
    public bool IsIgnored(string relativePath, string name, bool isDirectory)
    {
        if (IsIgnoredByDefault(relativePath, name, isDirectory))
        {
            return true;
        }

        foreach (GlobPattern pattern in patterns)
        {
            if (pattern.IsMatch(relativePath, name))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when -Exclude globs were given (the default rules need only the name).</summary>
    public bool HasPatterns => patterns.Length > 0;

    /// <summary>The default rules on raw name bytes, without decoding (the walker asks once per entry).</summary>
    public bool IsIgnoredByName(ReadOnlySpan<byte> name, bool atRoot, bool isDirectory)
    {
        if (name.IsEmpty)
        {
            return false;
        }

        if (name[0] == (byte)'.' || name[^1] == (byte)'~')
        {
            return true;
        }

        if (isDirectory && atRoot && (name.SequenceEqual(".lumilio"u8) || name.SequenceEqual("inbox"u8)))
        {
            return true;
        }

        return EndsWithIgnoreCase(name, ".tmp"u8) || EndsWithIgnoreCase(name, ".temp"u8) || (name.Length == 9 && EndsWithIgnoreCase(name, "thumbs.db"u8));
    }

    private static bool EndsWithIgnoreCase(ReadOnlySpan<byte> name, ReadOnlySpan<byte> lowerSuffix)
    {
        if (name.Length < lowerSuffix.Length)
        {
            return false;
        }

        ReadOnlySpan<byte> tail = name[^lowerSuffix.Length..];
        for (int i = 0; i < tail.Length; i++)
        {
            byte b = tail[i];
            if ((b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b | 0x20) : b) != lowerSuffix[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when any directory on the way from the root to <paramref name="relativePath"/> is ignored.</summary>
    public bool IsUnderIgnoredDirectory(string relativePath)
    {
        int start = 0;
        while (true)
        {
            int slash = relativePath.IndexOf('/', start);
            if (slash < 0)
            {
                return false;
            }

            if (IsIgnored(relativePath[..slash], relativePath[start..slash], isDirectory: true))
            {
                return true;
            }

            start = slash + 1;
        }
    }

    private static bool IsIgnoredByDefault(string relativePath, string name, bool isDirectory)
    {
        if (name.Length == 0)
        {
            return false;
        }

        if (isDirectory && relativePath.Length == name.Length && (name == ".lumilio" || name == "inbox"))
        {
            return true;
        }

        return name[0] == '.'
            || name[^1] == '~'
            || name.EndsWith(".tmp", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".temp", StringComparison.OrdinalIgnoreCase)
            || name.Equals("Thumbs.db", StringComparison.OrdinalIgnoreCase);
    }
}
