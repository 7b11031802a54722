using DiskTools.HelpBuilder.Maml;
using DiskTools.HelpBuilder.Markdown;
using DiskTools.HelpBuilder.Model;

namespace DiskTools.HelpBuilder;

/// <summary>Converts a folder of command pages into one MAML file.</summary>
public static class HelpFileBuilder
{
    /// <summary>
    /// Parses every <c>*.md</c> command page (about_*.md topics are plain text help, not MAML) and writes
    /// the MAML file. Every malformed page is reported, not just the first, and nothing is written then.
    /// </summary>
    /// <returns>The commands written, sorted by name.</returns>
    public static IReadOnlyList<CommandHelp> Build(string docsDirectory, string outputFile)
    {
        string helpFileName = Path.GetFileName(outputFile);
        var commands = new List<CommandHelp>();
        var errors = new List<HelpFormatException>();
        IEnumerable<string> pages = Directory.EnumerateFiles(docsDirectory, "*.md")
            .Where(p => !Path.GetFileName(p).StartsWith("about_", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal);
        foreach (string page in pages)
        {
            try
            {
                commands.Add(HelpPageParser.Parse(page, File.ReadAllText(page), helpFileName));
            }
            catch (HelpFormatException error)
            {
                errors.Add(error);
            }
        }

        if (errors.Count > 0)
        {
            throw new AggregateException($"{errors.Count} help page(s) malformed", errors);
        }

        if (commands.Count == 0)
        {
            throw new InvalidOperationException($"no command pages (*.md) in {docsDirectory}");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outputFile))!);

        // Write next to the target and move, so a failed run never leaves a truncated help file behind.
        string temporary = outputFile + ".tmp";
        using (FileStream stream = File.Create(temporary))
        {
            MamlWriter.Write(stream, commands);
        }

        File.Move(temporary, outputFile, overwrite: true);
        return commands;
    }
}
