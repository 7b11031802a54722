namespace DiskTools.Engine.Patterns;

/// <summary>Turns pattern text into segments of tokens; every syntax error names the parameter it came from.</summary>
internal static class PathPatternParser
{
    public static PatternSegment[] Parse(string pattern, string parameter, out bool anchored, out bool directoryOnly)
    {
        string errorId = PathPattern.ErrorIdFor(parameter);
        string body = pattern;
        directoryOnly = body.EndsWith('/');
        body = body.TrimEnd('/');
        int leading = body.Length - body.TrimStart('/').Length;
        anchored = leading > 0;
        int offset = pattern.IndexOf(body, StringComparison.Ordinal);
        body = body.TrimStart('/');
        offset += leading;
        if (body.Length == 0)
        {
            throw new DiskToolsException(errorId, ErrorKind.InvalidArgument, $"-{parameter} pattern '{pattern}' is empty.", pattern);
        }

        var segments = new List<PatternSegment>();
        var tokens = new List<PatternToken>();
        var literal = new StringBuilder();
        for (int i = 0; i < body.Length; i++)
        {
            char c = body[i];
            switch (c)
            {
                case '/':
                    anchored = true;
                    EndSegment();
                    break;
                case '*':
                    FlushLiteral();
                    if (tokens.Count == 0 || tokens[^1].Kind != TokenKind.AnyRun)
                    {
                        tokens.Add(PatternToken.AnyRun);
                    }

                    break;
                case '?':
                    FlushLiteral();
                    tokens.Add(PatternToken.AnyCharacter);
                    break;
                case '[':
                    FlushLiteral();
                    int close = ClassEnd(body, i);
                    if (close < 0)
                    {
                        throw new DiskToolsException(errorId, ErrorKind.InvalidArgument,
                            $"-{parameter} pattern '{pattern}' is not a valid glob: the '[' at position {offset + i + 1} starts a character class that no ']' closes. Write '[[]' to match a literal '['.", pattern);
                    }

                    tokens.Add(ParseClass(body[(i + 1)..close]));
                    i = close;
                    break;
                default:
                    literal.Append(c);
                    break;
            }
        }

        EndSegment();
        return [.. segments];

        void FlushLiteral()
        {
            if (literal.Length > 0)
            {
                tokens.Add(PatternToken.Literal(literal.ToString()));
                literal.Clear();
            }
        }

        void EndSegment()
        {
            FlushLiteral();
            if (tokens.Count == 0)
            {
                return; // "a//b" is "a/b"
            }

            bool globstar = tokens.Count == 1 && tokens[0].Kind == TokenKind.AnyRun && IsDoubleStar(body, segments.Count);
            segments.Add(new PatternSegment([.. tokens], globstar));
            tokens.Clear();
        }
    }

    /// <summary>Whether the segment at <paramref name="index"/> of the body is exactly "**".</summary>
    private static bool IsDoubleStar(string body, int index)
    {
        string[] parts = body.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return index < parts.Length && parts[index] == "**";
    }

    /// <summary>The index of the ']' that closes the class opened at <paramref name="open"/> ("[]]" and "[!]]" hold a ']'), or -1.</summary>
    private static int ClassEnd(string text, int open)
    {
        int first = open + 1;
        if (first < text.Length && (text[first] == '!' || text[first] == '^'))
        {
            first++;
        }

        int close = first + 1 <= text.Length ? text.IndexOf(']', Math.Min(first + 1, text.Length)) : -1;
        return close;
    }

    private static PatternToken ParseClass(string inside)
    {
        bool negated = inside.Length > 0 && (inside[0] == '!' || inside[0] == '^');
        string members = negated ? inside[1..] : inside;
        var ranges = new List<(int Low, int High)>();
        var runes = members.EnumerateRunes().Select(r => r.Value).ToArray();
        for (int i = 0; i < runes.Length; i++)
        {
            if (i + 2 < runes.Length && runes[i + 1] == '-')
            {
                ranges.Add((Math.Min(runes[i], runes[i + 2]), Math.Max(runes[i], runes[i + 2])));
                i += 2;
            }
            else
            {
                ranges.Add((runes[i], runes[i]));
            }
        }

        return PatternToken.Class([.. ranges], negated, members);
    }
}

/// <summary>The tokens of one name of a pattern, or "**" (any number of directories) when <see cref="IsGlobstar"/>.</summary>
internal sealed record PatternSegment(PatternToken[] Tokens, bool IsGlobstar);
