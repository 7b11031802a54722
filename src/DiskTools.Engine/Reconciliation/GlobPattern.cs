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

    private readonly Regex regex;

    public GlobPattern(string pattern)
    {
        Pattern = pattern;
        string body = pattern.TrimStart('/');
        MatchesPath = pattern.Contains('/', StringComparison.Ordinal);
        if (body.Length == 0)
        {
            throw new DiskToolsException(InvalidGlobId, ErrorKind.InvalidArgument, $"Exclude pattern '{pattern}' is empty.", pattern);
        }

        try
        {
            string translated = Translate(body.TrimEnd('/'));
            regex = new Regex(translated, RegexOptions.CultureInvariant | RegexOptions.Singleline);
            PathRegex = MatchesPath ? translated : "^(?:.*/)?" + translated[1..];
        }
        catch (ArgumentException e)
        {
            throw new DiskToolsException(InvalidGlobId, ErrorKind.InvalidArgument, $"Exclude pattern '{pattern}' is not a valid glob: {e.Message}", pattern);
        }
    }

    public string Pattern { get; }

    /// <summary>True when the pattern is matched against the relative path rather than the name.</summary>
    public bool MatchesPath { get; }

    /// <summary>A regular expression over the whole relative path (also valid in PostgreSQL's ~ operator).</summary>
    public string PathRegex { get; } = string.Empty;

    public bool IsMatch(string relativePath, string name) => regex.IsMatch(MatchesPath ? relativePath : name);

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
