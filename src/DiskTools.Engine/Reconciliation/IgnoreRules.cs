using DiskTools.Engine.Patterns;

namespace DiskTools.Engine.Reconciliation;

/// <summary>
/// What the inventory leaves out: the <see cref="DefaultPatterns"/>, then the -Exclude patterns, all in the one
/// pattern language of <see cref="PathPattern"/>. An ignored directory's whole subtree is left out, and records
/// under it are removed by the next full pass.
/// </summary>
public sealed class IgnoreRules
{
    /// <summary>
    /// Always left out: the system areas '.lumilio' and 'inbox' directly under the root; hidden entries (a name
    /// starting with '.', directories included, so '.git' is not descended, and '.DS_Store'); names ending in '~';
    /// '*.tmp', '*.temp' and 'Thumbs.db' in any case, as the tools that leave them behind write them.
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultPatterns =
        ["/.lumilio/", "/inbox/", ".*", "*~", "*.[tT][mM][pP]", "*.[tT][eE][mM][pP]", "[tT][hH][uU][mM][bB][sS].[dD][bB]"];

    private static readonly PathPatternSet Defaults = new(DefaultPatterns);

    private readonly PathPatternSet patterns;

    public IgnoreRules(IEnumerable<string>? exclude) => patterns = new PathPatternSet(exclude);

    /// <summary>True when -Exclude patterns were given.</summary>
    public bool HasPatterns => !patterns.IsEmpty;

    /// <summary>The default rules, for an entry of the walk (its parent relative to the root, its raw name).</summary>
    public bool IsIgnoredByDefault(ReadOnlySpan<byte> parentPath, ReadOnlySpan<byte> name, bool isDirectory)
        => Defaults.Matches(parentPath, name, isDirectory);

    /// <summary>The -Exclude patterns, for an entry of the walk.</summary>
    public bool IsExcluded(ReadOnlySpan<byte> parentPath, ReadOnlySpan<byte> name, bool isDirectory)
        => patterns.Matches(parentPath, name, isDirectory);

    /// <summary>True when the entry (and, for a directory, everything below it) is left out.</summary>
    /// <param name="relativePath">The entry's path relative to the root ('/'-separated).</param>
    /// <param name="name">The entry's own name, the last part of <paramref name="relativePath"/>.</param>
    /// <param name="isDirectory">Whether the entry is a directory.</param>
    public bool IsIgnored(string relativePath, string name, bool isDirectory)
    {
        byte[] path = Encoding.UTF8.GetBytes(relativePath);
        int nameLength = Encoding.UTF8.GetByteCount(name);
        ReadOnlySpan<byte> parent = path.AsSpan(0, Math.Max(0, path.Length - nameLength - 1));
        ReadOnlySpan<byte> own = path.AsSpan(path.Length - nameLength);
        return IsIgnoredByDefault(parent, own, isDirectory) || IsExcluded(parent, own, isDirectory);
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
}
