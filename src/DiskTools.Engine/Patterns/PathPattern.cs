namespace DiskTools.Engine.Patterns;

/// <summary>
/// One path pattern of the product's single pattern language, shared by Get-DiskUsage -Exclude,
/// Invoke-Reconciliation -Exclude, Get-FileRecord -Filter and the inventory's default ignore rules. The syntax
/// is .gitignore's:
/// <list type="bullet">
/// <item><c>*</c> any run of characters within one name, <c>?</c> one character, <c>[abc]</c>, <c>[a-z]</c>,
/// <c>[!abc]</c> (or <c>[^abc]</c>) one character from or not from a set; none of them matches '/'.
/// <c>[[]</c>, <c>[*]</c>, <c>[?]</c> match those characters literally.</item>
/// <item>A pattern without '/' matches an entry's name at any depth (<c>*.log</c>); one with a '/' at the start
/// or in the middle is anchored at the root and matches the path below it (<c>/build</c>, <c>src/*.c</c>).</item>
/// <item><c>**</c> as a whole name matches any number of directories: <c>**/tmp</c> (none or more),
/// <c>a/**/b</c> (none or more), <c>logs/**</c> (everything below logs, not logs itself).</item>
/// <item>A trailing '/' matches directories only (<c>node_modules/</c>).</item>
/// <item>A pattern that matches a directory matches everything below it: an excluded directory is not entered,
/// and a filter selects the files beneath a matching directory.</item>
/// </list>
/// Matching is by character and case-sensitive, as Linux names are. A byte of a name that is not valid UTF-8 is one
/// character that only <c>*</c>, <c>?</c> and a negated class match.
/// </summary>
public sealed class PathPattern
{
    private readonly PatternSegment[] segments;

    /// <param name="pattern">The pattern text.</param>
    /// <param name="parameter">The parameter it came from ("Exclude", "Filter"), named in errors.</param>
    public PathPattern(string pattern, string parameter = "Exclude")
    {
        Pattern = pattern;
        segments = PathPatternParser.Parse(pattern, parameter, out bool anchored, out bool directoryOnly);
        IsAnchored = anchored;
        DirectoryOnly = directoryOnly;
    }

    public string Pattern { get; }

    /// <summary>True when the pattern matches the path from the root; false when it matches a name at any depth.</summary>
    public bool IsAnchored { get; }

    /// <summary>True for a pattern ending in '/', which matches directories only.</summary>
    public bool DirectoryOnly { get; }

    /// <summary>A regular expression over a file's relative path with the same meaning, subtree rule included (see <see cref="PatternRegex"/>).</summary>
    public string PathRegex => PatternRegex.ForFiles(segments, IsAnchored, DirectoryOnly);

    internal static string ErrorIdFor(string parameter) => parameter == "Filter" ? ErrorIds.InvalidFilterPattern : ErrorIds.InvalidExcludePattern;

    /// <summary>Whether the entry <paramref name="name"/> in the directory <paramref name="parentPath"/> (relative to the root, '/'-separated, empty at the root) matches.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Matches(ReadOnlySpan<byte> parentPath, ReadOnlySpan<byte> name, bool isDirectory)
    {
        if (DirectoryOnly && !isDirectory)
        {
            return false;
        }

        return IsAnchored ? MatchSegments(0, parentPath, name, nameUsed: false) : MatchName(segments[0].Tokens, name);
    }

    /// <summary><see cref="Matches(ReadOnlySpan{byte}, ReadOnlySpan{byte}, bool)"/> for a relative path given as text.</summary>
    public bool Matches(string relativePath, bool isDirectory) => MatchesPath(Encoding.UTF8.GetBytes(relativePath), isDirectory);

    private bool MatchesPath(ReadOnlySpan<byte> relativePath, bool isDirectory)
    {
        int slash = relativePath.LastIndexOf((byte)'/');
        return slash < 0 ? Matches([], relativePath, isDirectory) : Matches(relativePath[..slash], relativePath[(slash + 1)..], isDirectory);
    }

    /// <summary>
    /// Whether the entry at <paramref name="relativePath"/> matches itself or lies below a directory that matches:
    /// what a filter over recorded files and a check of a single path (outside a walk) ask.
    /// </summary>
    public bool MatchesWithin(string relativePath, bool isDirectory)
    {
        ReadOnlySpan<byte> bytes = Encoding.UTF8.GetBytes(relativePath);
        for (int i = 1; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'/' && MatchesPath(bytes[..i], isDirectory: true))
            {
                return true;
            }
        }

        return MatchesPath(bytes, isDirectory);
    }

    public override string ToString() => Pattern;

    /// <summary>Matches the pattern's segments from <paramref name="index"/> against the rest of the parent path, then the name.</summary>
    private bool MatchSegments(int index, ReadOnlySpan<byte> parent, ReadOnlySpan<byte> name, bool nameUsed)
    {
        bool pathDone = parent.IsEmpty && nameUsed;
        if (index == segments.Length)
        {
            return pathDone;
        }

        PatternSegment segment = segments[index];
        if (segment.IsGlobstar)
        {
            // "**" takes none or more names; at the end of the pattern, at least one (logs/** is not logs itself).
            bool last = index == segments.Length - 1;
            if (last)
            {
                return !pathDone;
            }

            while (true)
            {
                if (MatchSegments(index + 1, parent, name, nameUsed))
                {
                    return true;
                }

                if (pathDone)
                {
                    return false;
                }

                Advance(ref parent, ref nameUsed, out _);
                pathDone = parent.IsEmpty && nameUsed;
            }
        }

        if (pathDone)
        {
            return false;
        }

        ReadOnlySpan<byte> rest = parent;
        bool restNameUsed = nameUsed;
        ReadOnlySpan<byte> current = Advance(ref rest, ref restNameUsed, out bool isName);
        return MatchName(segment.Tokens, isName ? name : current) && MatchSegments(index + 1, rest, name, restNameUsed);
    }

    /// <summary>Takes the next name of the path: the first of the parent's, or the entry's own name when the parent is used up.</summary>
    private static ReadOnlySpan<byte> Advance(ref ReadOnlySpan<byte> parent, ref bool nameUsed, out bool isName)
    {
        if (parent.IsEmpty)
        {
            nameUsed = true;
            isName = true;
            return default;
        }

        isName = false;
        int slash = parent.IndexOf((byte)'/');
        ReadOnlySpan<byte> first = slash < 0 ? parent : parent[..slash];
        parent = slash < 0 ? [] : parent[(slash + 1)..];
        return first;
    }

    /// <summary>Wildcard match of one name: '*' backtracks to its last position only, which is exact when '*' cannot cross '/'.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool MatchName(PatternToken[] tokens, ReadOnlySpan<byte> text)
    {
        int t = 0, p = 0, starToken = -1, starText = 0;
        while (p < text.Length)
        {
            if (t < tokens.Length)
            {
                PatternToken token = tokens[t];
                if (token.Kind == TokenKind.AnyRun)
                {
                    starToken = t++;
                    starText = p;
                    continue;
                }

                int consumed = Consume(token, text[p..]);
                if (consumed > 0)
                {
                    t++;
                    p += consumed;
                    continue;
                }
            }

            if (starToken < 0)
            {
                return false;
            }

            t = starToken + 1;
            starText += CharacterLength(text[starText..]);
            p = starText;
        }

        while (t < tokens.Length && tokens[t].Kind == TokenKind.AnyRun)
        {
            t++;
        }

        return t == tokens.Length;
    }

    /// <summary>The bytes the token matches at the start of <paramref name="text"/>, or 0 when it does not match there.</summary>
    private static int Consume(PatternToken token, ReadOnlySpan<byte> text)
    {
        switch (token.Kind)
        {
            case TokenKind.Literal:
                return text.StartsWith(token.Bytes) ? token.Bytes.Length : 0;
            case TokenKind.AnyCharacter:
                return CharacterLength(text);
            default:
                OperationStatus status = Rune.DecodeFromUtf8(text, out Rune rune, out int length);
                bool valid = status == OperationStatus.Done;
                return token.Admits(valid ? rune.Value : -1) ? (valid ? length : 1) : 0;
        }
    }

    /// <summary>The length of the character at the start of <paramref name="text"/>: its UTF-8 sequence, or one byte that is not valid UTF-8.</summary>
    private static int CharacterLength(ReadOnlySpan<byte> text)
    {
        if (text[0] < 0x80)
        {
            return 1;
        }

        return Rune.DecodeFromUtf8(text, out _, out int length) == OperationStatus.Done ? length : 1;
    }
}
