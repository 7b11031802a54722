namespace DiskTools.Engine.Patterns;

/// <summary>
/// A <see cref="PathPattern"/> as a regular expression over a recorded file's relative path, for a query that runs
/// in PostgreSQL (its ~ operator). Only constructs that PostgreSQL's and .NET's engines read alike are used, so
/// the tests can check the translation against the matcher in process.
/// </summary>
internal static class PatternRegex
{
    /// <summary>
    /// The file's path matches the pattern, or one of its directories does (the subtree rule). A file is never a
    /// directory, so a directory-only pattern needs something below the match.
    /// </summary>
    public static string ForFiles(PatternSegment[] segments, bool anchored, bool directoryOnly)
    {
        var regex = new StringBuilder(anchored ? "^" : "^(?:.*/)?");
        for (int i = 0; i < segments.Length; i++)
        {
            PatternSegment segment = segments[i];
            bool last = i == segments.Length - 1;
            if (segment.IsGlobstar)
            {
                // Leading or inner "**/": none or more directories; a final "**": one or more names.
                regex.Append(last ? "[^/].*" : "(?:[^/]+/)*");
                continue;
            }

            foreach (PatternToken token in segment.Tokens)
            {
                AppendToken(regex, token);
            }

            if (!last)
            {
                regex.Append('/');
            }
        }

        return regex.Append(directoryOnly ? "/.+$" : "(?:/.+)?$").ToString();
    }

    private static void AppendToken(StringBuilder regex, PatternToken token)
    {
        switch (token.Kind)
        {
            case TokenKind.Literal:
                foreach (char c in token.Text)
                {
                    AppendLiteral(regex, c);
                }

                break;
            case TokenKind.AnyCharacter:
                regex.Append("[^/]");
                break;
            case TokenKind.AnyRun:
                regex.Append("[^/]*");
                break;
            default:
                regex.Append(token.Negated ? "[^/" : "[");
                foreach ((int low, int high) in token.Ranges)
                {
                    AppendClassMember(regex, low);
                    if (high != low)
                    {
                        regex.Append('-');
                        AppendClassMember(regex, high);
                    }
                }

                regex.Append(']');
                break;
        }
    }

    private static void AppendLiteral(StringBuilder regex, char c)
    {
        if (!char.IsAsciiLetterOrDigit(c) && c < 0x80 && c != '/' && c != ' ' && c != '_' && c != '-')
        {
            regex.Append('\\');
        }

        regex.Append(c);
    }

    private static void AppendClassMember(StringBuilder regex, int codePoint)
    {
        if (codePoint is '\\' or ']' or '[' or '^' or '-')
        {
            regex.Append('\\');
        }

        regex.Append(char.ConvertFromUtf32(codePoint));
    }
}
