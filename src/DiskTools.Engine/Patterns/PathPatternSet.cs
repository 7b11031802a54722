using DiskTools.Engine.Traversal;

namespace DiskTools.Engine.Patterns;

/// <summary>Several <see cref="PathPattern"/>s: an entry matches the set when it matches any of them.</summary>
public sealed class PathPatternSet
{
    private readonly PathPattern[] patterns;

    /// <param name="patterns">The pattern texts; blank ones are skipped.</param>
    /// <param name="parameter">The parameter they came from, named in errors.</param>
    public PathPatternSet(IEnumerable<string>? patterns, string parameter = "Exclude")
        => this.patterns = (patterns ?? []).Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => new PathPattern(p, parameter)).ToArray();

    public bool IsEmpty => patterns.Length == 0;

    public IReadOnlyList<PathPattern> Patterns => patterns;

    /// <summary>Whether <paramref name="name"/> in the directory <paramref name="parentPath"/> (relative to the root) matches any pattern.</summary>
    public bool Matches(ReadOnlySpan<byte> parentPath, ReadOnlySpan<byte> name, bool isDirectory)
    {
        foreach (PathPattern pattern in patterns)
        {
            if (pattern.Matches(parentPath, name, isDirectory))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the entry at <paramref name="relativePath"/> or a directory above it matches any pattern.</summary>
    public bool MatchesWithin(string relativePath, bool isDirectory)
    {
        foreach (PathPattern pattern in patterns)
        {
            if (pattern.MatchesWithin(relativePath, isDirectory))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The walk's exclusion hook for these patterns (null when there are none): a matching entry is left out, and
    /// a matching directory is not entered, so its whole subtree is left out with it.
    /// </summary>
    public WalkExclusion? ToWalkExclusion()
        => IsEmpty ? null : (parent, name, kind) => Matches(parent, name, kind == EntryKind.Directory);
}
