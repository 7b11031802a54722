namespace DiskTools.Engine.Tests.Support;

/// <summary>
/// Splits the arguments of a C# call at its top-level commas, stepping over nested calls, string and char
/// literals and the holes of interpolated strings, so a test can look at one argument of a call in source text.
/// </summary>
internal static class CallArguments
{
    /// <summary>The arguments of the call whose '(' is at <paramref name="open"/>, each as its source text.</summary>
    public static IReadOnlyList<string> Read(string text, int open)
    {
        var arguments = new List<string>();
        int start = open + 1;
        int depth = 0;
        for (int i = open; i < text.Length; i++)
        {
            char c = text[i];
            if (c is '"' or '\'')
            {
                i = SkipLiteral(text, i) - 1;
            }
            else if (c is '(' or '[' or '{')
            {
                depth++;
            }
            else if (c is ')' or ']' or '}')
            {
                if (--depth == 0)
                {
                    arguments.Add(text[start..i].Trim());
                    return arguments;
                }
            }
            else if (c == ',' && depth == 1)
            {
                arguments.Add(text[start..i].Trim());
                start = i + 1;
            }
        }

        return arguments;
    }

    /// <summary>The index just past the literal starting at <paramref name="quote"/> (with any $ or @ before it).</summary>
    private static int SkipLiteral(string text, int quote)
    {
        if (text[quote] == '\'')
        {
            int end = quote + 1;
            while (text[end] != '\'')
            {
                end += text[end] == '\\' ? 2 : 1;
            }

            return end + 1;
        }

        if (text.AsSpan(quote).StartsWith("\"\"\""))
        {
            int close = text.IndexOf("\"\"\"", quote + 3, StringComparison.Ordinal);
            return close < 0 ? text.Length : close + 3;
        }

        string prefix = text[Math.Max(0, quote - 2)..quote];
        bool interpolated = prefix.Contains('$');
        bool verbatim = prefix.Contains('@');
        int i = quote + 1;
        while (i < text.Length)
        {
            char c = text[i];
            if (c == '\\' && !verbatim)
            {
                i += 2;
            }
            else if (c == '"' && verbatim && i + 1 < text.Length && text[i + 1] == '"')
            {
                i += 2;
            }
            else if (c == '"')
            {
                return i + 1;
            }
            else if (c == '{' && interpolated && i + 1 < text.Length && text[i + 1] == '{')
            {
                i += 2;
            }
            else if (c == '{' && interpolated)
            {
                i = SkipHole(text, i);
            }
            else
            {
                i++;
            }
        }

        return i;
    }

    /// <summary>The index just past the interpolation hole opening at <paramref name="brace"/>.</summary>
    private static int SkipHole(string text, int brace)
    {
        int depth = 0;
        for (int i = brace; i < text.Length; i++)
        {
            char c = text[i];
            if (c is '"' or '\'')
            {
                i = SkipLiteral(text, i) - 1;
            }
            else if (c is '(' or '[' or '{')
            {
                depth++;
            }
            else if (c is ')' or ']' or '}' && --depth == 0)
            {
                return i + 1;
            }
        }

        return text.Length;
    }
}
