namespace DiskTools.Engine.Patterns;

internal enum TokenKind : byte
{
    /// <summary>Characters that must appear as they are (kept as UTF-8 bytes).</summary>
    Literal,

    /// <summary>'?': one character, never '/'.</summary>
    AnyCharacter,

    /// <summary>'*': any run of characters within one name, never '/'.</summary>
    AnyRun,

    /// <summary>'[...]' / '[!...]': one character from (or not from) a set of ranges.</summary>
    Class,
}

/// <summary>
/// One piece of a pattern's name segment: <paramref name="Text"/> is the literal characters (also as UTF-8
/// <paramref name="Bytes"/>), or a class's members as written between the brackets.
/// </summary>
internal sealed record PatternToken(TokenKind Kind, string Text, byte[] Bytes, (int Low, int High)[] Ranges, bool Negated)
{
    public static readonly PatternToken AnyCharacter = new(TokenKind.AnyCharacter, "?", [], [], false);

    public static readonly PatternToken AnyRun = new(TokenKind.AnyRun, "*", [], [], false);

    public static PatternToken Literal(string text) => new(TokenKind.Literal, text, Encoding.UTF8.GetBytes(text), [], false);

    public static PatternToken Class((int Low, int High)[] ranges, bool negated, string text) => new(TokenKind.Class, text, [], ranges, negated);

    /// <summary>Whether a class admits the code point (-1 for a byte that is not valid UTF-8: only a negated class does).</summary>
    public bool Admits(int codePoint)
    {
        bool inSet = false;
        foreach ((int low, int high) in Ranges)
        {
            if (codePoint >= low && codePoint <= high)
            {
                inSet = true;
                break;
            }
        }

        return inSet != Negated;
    }
}
