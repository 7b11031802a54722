using System.Text.RegularExpressions;

namespace DiskTools.Module.Tests.Help;

/// <summary>
/// What the tests need from a docs/en-US page, read straight from the Markdown so the check does not
/// depend on the builder it verifies.
/// </summary>
public sealed partial record HelpPage(string CmdletName, string Synopsis, IReadOnlyList<string> ParameterNames)
{
    public static IReadOnlyList<HelpPage> LoadAll(string directory) =>
        [.. Directory.EnumerateFiles(directory, "*.md")
            .Where(p => !Path.GetFileName(p).StartsWith("about_", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .Select(Load)];

    public static HelpPage Load(string path)
    {
        string text = File.ReadAllText(path).ReplaceLineEndings("\n");
        Match synopsis = SynopsisSection().Match(text);
        string synopsisText = synopsis.Success ? string.Join(' ', synopsis.Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) : string.Empty;
        return new HelpPage(
            Path.GetFileNameWithoutExtension(path),
            synopsisText,
            [.. ParameterHeading().Matches(text).Select(m => m.Groups[1].Value)]);
    }

    [GeneratedRegex(@"^## SYNOPSIS\n(.*?)\n## ", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex SynopsisSection();

    [GeneratedRegex(@"^### -([A-Za-z_][A-Za-z0-9_]*)\s*$", RegexOptions.Multiline)]
    private static partial Regex ParameterHeading();
}
