namespace DiskTools.Engine.Output;

/// <summary>
/// The one way text that came from another machine (a hostname, a command's stderr, rsync's itemized lines,
/// a lock file) is made safe to show on a terminal: every control character — C0 (ESC, BEL, CR, LF, TAB…),
/// DEL and C1 — and every invisible formatting character (bidirectional overrides, zero-width characters,
/// line and paragraph separators) is written as a visible escape such as <c>\x1B</c> or <c>\u202E</c>, so
/// the text can neither drive the terminal (titles, cursor moves, colours) nor pass for a line of its own.
/// Everything else, including non-ASCII letters, is kept as it is.
/// </summary>
public static class TerminalText
{
    /// <summary>Escapes every control and formatting character, line breaks included.</summary>
    public static string Escape(string? text) => Escape(text, keepLineBreaks: false);

    /// <summary>
    /// As <see cref="Escape(string?)"/> but keeps LF line breaks: for messages DiskTools itself lays out over
    /// several lines, whose parts from elsewhere were escaped with <see cref="Escape(string?)"/> already.
    /// </summary>
    public static string EscapeLines(string? text) => Escape(text, keepLineBreaks: true);

    private static string Escape(string? text, bool keepLineBreaks)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        int first = -1;
        for (int i = 0; i < text.Length; i++)
        {
            if (Unsafe(text[i], keepLineBreaks))
            {
                first = i;
                break;
            }
        }

        if (first < 0)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 16);
        builder.Append(text, 0, first);
        for (int i = first; i < text.Length; i++)
        {
            char c = text[i];
            if (!Unsafe(c, keepLineBreaks))
            {
                builder.Append(c);
            }
            else if (c <= 0xFF)
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}");
            }
            else
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
        }

        return builder.ToString();
    }

    private static bool Unsafe(char c, bool keepLineBreaks)
    {
        if (c == '\n')
        {
            return !keepLineBreaks;
        }

        if (c < 0x20 || c is >= '\x7F' and <= '\x9F')
        {
            return true;
        }

        return c > 0x9F && char.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
    }
}
