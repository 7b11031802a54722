using System.Text.RegularExpressions;

namespace DiskTools.Host.Hosting;

/// <summary>
/// The engine's formatter decorates text with ANSI ($PSStyle table headers, error accents) and leaves it to
/// the host to remove them where they do not belong, as pwsh's console host does.
/// </summary>
internal static partial class AnsiText
{
    public static string Strip(string text) => text.Contains('\u001b') ? EscapeSequence().Replace(text, string.Empty) : text;

    // CSI sequences (colours, cursor movement) and OSC sequences (hyperlinks, titles).
    [GeneratedRegex(@"\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(\u0007|\u001b\\)|\u001b[@-Z\\-_]")]
    private static partial Regex EscapeSequence();
}
