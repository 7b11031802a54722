namespace DiskTools.Engine.Remoting.Ssh;

/// <summary>OpenSSH's host patterns, as known_hosts lists them: * any run, ? one character, ! negates.</summary>
public static class HostPattern
{
    /// <summary>True when a pattern list matches <paramref name="host"/> and no negated pattern does.</summary>
    public static bool Matches(IEnumerable<string> patterns, string host)
    {
        bool matched = false;
        foreach (string pattern in patterns)
        {
            bool negated = pattern.StartsWith('!');
            if (!WildcardMatch(negated ? pattern[1..] : pattern, host))
            {
                continue;
            }

            if (negated)
            {
                return false;
            }

            matched = true;
        }

        return matched;
    }

    /// <summary>Case-insensitive like host names.</summary>
    private static bool WildcardMatch(string pattern, string text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || char.ToLowerInvariant(pattern[p]) == char.ToLowerInvariant(text[t])))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
