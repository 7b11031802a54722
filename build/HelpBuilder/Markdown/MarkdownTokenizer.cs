using System.Text.RegularExpressions;

namespace DiskTools.HelpBuilder.Markdown;

/// <summary>
/// Splits a page into front matter and a flat list of headings, fenced blocks and paragraphs. Help pages
/// use only this small part of Markdown, so a line scanner is enough and keeps the build fast.
/// </summary>
public static partial class MarkdownTokenizer
{
    public static (IReadOnlyDictionary<string, string> FrontMatter, IReadOnlyList<MarkdownBlock> Blocks) Tokenize(
        string file, string text)
    {
        string[] lines = text.ReplaceLineEndings("\n").Split('\n');
        int index = 0;
        var frontMatter = ReadFrontMatter(file, lines, ref index);
        var blocks = new List<MarkdownBlock>();
        var paragraph = new List<string>();
        int paragraphLine = 0;

        void FlushParagraph()
        {
            if (paragraph.Count > 0)
            {
                blocks.Add(new ParagraphBlock(paragraphLine, [.. paragraph]));
                paragraph.Clear();
            }
        }

        while (index < lines.Length)
        {
            string line = lines[index];
            int lineNumber = index + 1;
            Match fence = FenceOpening().Match(line);
            if (fence.Success)
            {
                FlushParagraph();
                blocks.Add(ReadFence(file, lines, ref index, fence));
                continue;
            }

            Match heading = Heading().Match(line);
            if (heading.Success)
            {
                FlushParagraph();
                blocks.Add(new HeadingBlock(lineNumber, heading.Groups[1].Length, heading.Groups[2].Value.Trim()));
            }
            else if (string.IsNullOrWhiteSpace(line))
            {
                FlushParagraph();
            }
            else
            {
                if (paragraph.Count == 0)
                {
                    paragraphLine = lineNumber;
                }

                paragraph.Add(line.TrimEnd());
            }

            index++;
        }

        FlushParagraph();
        return (frontMatter, blocks);
    }

    private static Dictionary<string, string> ReadFrontMatter(string file, string[] lines, ref int index)
    {
        if (lines.Length == 0 || lines[0].TrimEnd() != "---")
        {
            throw new HelpFormatException(file, 1, "the page must start with '---' front matter (external help file, Module Name, schema)");
        }

        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (index = 1; index < lines.Length; index++)
        {
            string line = lines[index].TrimEnd();
            if (line == "---")
            {
                index++;
                return values;
            }

            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new HelpFormatException(file, index + 1, $"front matter line is not 'key: value': '{line}'");
            }

            values[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        throw new HelpFormatException(file, 1, "front matter is not closed with '---'");
    }

    private static FenceBlock ReadFence(string file, string[] lines, ref int index, Match opening)
    {
        int openingLine = index + 1;
        string marker = opening.Groups[2].Value;
        string indent = opening.Groups[1].Value;
        var code = new List<string>();
        for (index++; index < lines.Length; index++)
        {
            string line = lines[index];
            string trimmed = line.Trim();
            if (trimmed.Length >= marker.Length && trimmed.Trim(marker[0]).Length == 0)
            {
                index++;
                return new FenceBlock(openingLine, opening.Groups[3].Value.Trim(), string.Join('\n', code));
            }

            // A page section heading inside a code block means the block was never closed; saying so beats
            // the confusing section-order error the swallowed headings would cause.
            if (SectionHeading().IsMatch(line))
            {
                throw new HelpFormatException(file, openingLine, $"code block opened with {marker} is never closed (it runs into '{line.Trim()}' on line {index + 1})");
            }

            code.Add(line.StartsWith(indent, StringComparison.Ordinal) ? line[indent.Length..].TrimEnd() : line.TrimEnd());
        }

        throw new HelpFormatException(file, openingLine, $"code block opened with {marker} is never closed");
    }

    [GeneratedRegex(@"^( {0,3})(`{3,}|~{3,})\s*([^`]*)$")]
    private static partial Regex FenceOpening();

    [GeneratedRegex(@"^(#{1,6})\s+(.*)$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"^## (SYNOPSIS|SYNTAX|DESCRIPTION|EXAMPLES|PARAMETERS|INPUTS|OUTPUTS|NOTES|RELATED LINKS)\s*$")]
    private static partial Regex SectionHeading();
}
