using System.Text;
using System.Text.RegularExpressions;
using DiskTools.Engine.Output;

namespace DiskTools.Engine.Reconciliation;

/// <summary>
/// An -Exclude glob. Without a '/' it matches an entry's name at any depth (like .gitignore); with one it
/// matches the path relative to the root (a leading '/' is optional). '*' and '?' stop at '/', '**'
/// crosses directories, [abc] / [!abc] are character classes. Case-sensitive, as Linux names are.
/// </summary>
public sealed class GlobPattern
{
    public const string InvalidGlobId = "InvalidExcludePattern";
    public const string InvalidFilterId = "InvalidFilterPattern";

    /// <summary>The pattern is a -Filter (Get-FileRecord), not an -Exclude: errors say so.</summary>
    public const string FilterUse = "Filter";

    private readonly Regex regex;

    public GlobPattern(string pattern)
        : this(pattern, "Exclude")
    {
    }

    /// <param name="pattern">The glob.</param>
    /// <param name="use">"Exclude" or <see cref="FilterUse"/>: the parameter named in errors.</param>
    public GlobPattern(string pattern, string use)
    {
        Pattern = pattern;
        string errorId = use == FilterUse ? InvalidFilterId : InvalidGlobId;
        string body = pattern.TrimStart('/');
        MatchesPath = pattern.Contains('/', StringComparison.Ordinal);
        if (body.Length == 0)
        {
            throw new DiskToolsException(errorId, ErrorKind.InvalidArgument, $"{use} pattern '{pattern}' is empty.", pattern);
        }

        int open = UnclosedBracket(body);
        if (open >= 0)
        {
            throw new DiskToolsException(errorId, ErrorKind.InvalidArgument,
                $"-{use} pattern '{pattern}' is not a valid glob: the '[' at position {open + 1 + (pattern.Length - body.Length)} starts a character class that no ']' closes. Write '[[]' to match a literal '['.", pattern);
        }

        try
        {
            string translated = Translate(body.TrimEnd('/'));
            regex = new Regex(translated, RegexOptions.CultureInvariant | RegexOptions.Singleline);
            PathRegex = MatchesPath ? translated : "^(?:.*/)?" + translated[1..];
        }
        catch (ArgumentException e)
        {
            throw new DiskToolsException(errorId, ErrorKind.InvalidArgument, $"-{use} pattern '{pattern}' is not a valid glob: {e.Message}", pattern);
        }
    }

    public string Pattern { get; }

    /// <summary>True when the pattern is matched against the relative path rather than the name.</summary>
    public bool MatchesPath { get; }

    /// <summary>A regular expression over the whole relative path (also valid in PostgreSQL's ~ operator).</summary>
    public string PathRegex { get; } = string.Empty;

    public bool IsMatch(string relativePath, string name) => regex.IsMatch(MatchesPath ? relativePath : name);

    /// <summary>The index of a '[' that no ']' closes (a class needs at least one character: "[]]" is "]"), or -1.</summary>
    private static int UnclosedBracket(string glob)
    {
        for (int i = 0; i < glob.Length; i++)
        {
            if (glob[i] == '[')
            {
                int close = i + 2 <= glob.Length ? glob.IndexOf(']', Math.Min(i + 2, glob.Length)) : -1;
                if (close < 0)
                {
                    return i;
                }

                i = close;
            }
        }

        return -1;
    }

    private static string Translate(string glob)
    {
        var sb = new StringBuilder("^");
        for (int i = 0; i < glob.Length; i++)
        {
            char c = glob[i];
            switch (c)
            {
                case '*' when i + 1 < glob.Length && glob[i + 1] == '*':
                    // "**/" also matches zero directories.
                    if (i + 2 < glob.Length && glob[i + 2] == '/')
                    {
                        sb.Append("(?:.*/)?");
                        i += 2;
                    }
                    else
                    {
                        sb.Append(".*");
                        i++;
                    }

                    break;
                case '*':
                    sb.Append("[^/]*");
                    break;
                case '?':
                    sb.Append("[^/]");
                    break;
                case '[':
                    int close = glob.IndexOf(']', i + 2);
                    if (close < 0)
                    {
                        sb.Append(@"\[");
                        break;
                    }

                    string set = glob[(i + 1)..close];
                    sb.Append('[').Append(set.StartsWith('!') ? "^" + Regex.Escape(set[1..]) : Regex.Escape(set)).Append(']');
                    i = close;
                    break;
                default:
                    sb.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        return sb.Append('$').ToString();
    }
}
