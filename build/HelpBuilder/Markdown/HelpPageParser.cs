using System.Text.RegularExpressions;
using DiskTools.HelpBuilder.Model;

namespace DiskTools.HelpBuilder.Markdown;

/// <summary>
/// Reads one platyPS (schema 2.0.0) command page. Strict on purpose: a page that would silently lose
/// content in MAML (a section out of place, a parameter without metadata, a leftover {{ placeholder }},
/// a syntax block that disagrees with the parameter metadata) is rejected with its file and line.
/// </summary>
public sealed partial class HelpPageParser
{
    /// <summary>The H2 sections of a command page, in the order platyPS writes them; all are required.</summary>
    public static readonly IReadOnlyList<string> Sections =
        ["SYNOPSIS", "SYNTAX", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS"];

    public const string DefaultSetName = "__AllParameterSets";
    private const string CommonParametersHeading = "CommonParameters";

    private readonly string file;
    private readonly string expectedHelpFile;

    private HelpPageParser(string file, string expectedHelpFile)
    {
        this.file = file;
        this.expectedHelpFile = expectedHelpFile;
    }

    /// <param name="file">The page's path, used in error messages and to check the title.</param>
    /// <param name="text">The page's content.</param>
    /// <param name="expectedHelpFile">The MAML file name every page's 'external help file' must name.</param>
    public static CommandHelp Parse(string file, string text, string expectedHelpFile) =>
        new HelpPageParser(file, expectedHelpFile).Parse(text);

    private CommandHelp Parse(string text)
    {
        (IReadOnlyDictionary<string, string> frontMatter, IReadOnlyList<MarkdownBlock> blocks) = MarkdownTokenizer.Tokenize(file, text);
        CheckFrontMatter(frontMatter);
        RejectPlaceholders(blocks);

        if (blocks.Count == 0 || blocks[0] is not HeadingBlock { Level: 1 } title)
        {
            throw Error(blocks.Count > 0 ? blocks[0].Line : 1, "expected the '# <Cmdlet-Name>' title after the front matter");
        }

        string expectedName = Path.GetFileNameWithoutExtension(file);
        if (!string.Equals(title.Text, expectedName, StringComparison.Ordinal))
        {
            throw Error(title.Line, $"title '{title.Text}' does not match the file name '{expectedName}'");
        }

        Dictionary<string, Section> sections = SplitSections(blocks, title);
        IReadOnlyList<ParameterHelp> parameters = ReadParameters(sections["PARAMETERS"]);
        return new CommandHelp(
            title.Text,
            frontMatter.TryGetValue("online version", out string? online) && online.Length > 0 ? online : null,
            RequireText(sections["SYNOPSIS"], Paragraphs(sections["SYNOPSIS"].Blocks, allowCode: false)),
            RequireText(sections["DESCRIPTION"], Paragraphs(sections["DESCRIPTION"].Blocks, allowCode: true)),
            ReadSyntax(sections["SYNTAX"], title.Text, parameters),
            parameters,
            ReadTypes(sections["INPUTS"]),
            ReadTypes(sections["OUTPUTS"]),
            Paragraphs(sections["NOTES"].Blocks, allowCode: true),
            ReadExamples(sections["EXAMPLES"]),
            ReadLinks(sections["RELATED LINKS"]));
    }

    private sealed record Section(HeadingBlock Heading, IReadOnlyList<MarkdownBlock> Blocks);

    private void CheckFrontMatter(IReadOnlyDictionary<string, string> frontMatter)
    {
        string Value(string key) => frontMatter.TryGetValue(key, out string? v) ? v : string.Empty;

        if (Value("schema") != "2.0.0")
        {
            throw Error(1, $"front matter must say 'schema: 2.0.0' (found '{Value("schema")}')");
        }

        if (!string.Equals(Value("external help file"), expectedHelpFile, StringComparison.OrdinalIgnoreCase))
        {
            throw Error(1, $"front matter must say 'external help file: {expectedHelpFile}' (found '{Value("external help file")}')");
        }

        if (Value("Module Name").Length == 0)
        {
            throw Error(1, "front matter must name the module ('Module Name: ...')");
        }
    }

    private void RejectPlaceholders(IReadOnlyList<MarkdownBlock> blocks)
    {
        foreach (MarkdownBlock block in blocks)
        {
            string content = block switch
            {
                HeadingBlock h => h.Text,
                FenceBlock f => f.Code,
                ParagraphBlock p => string.Join('\n', p.Lines),
                _ => string.Empty,
            };
            Match placeholder = Placeholder().Match(content);
            if (placeholder.Success)
            {
                throw Error(block.Line, $"unfinished placeholder '{placeholder.Value}'");
            }
        }
    }

    private Dictionary<string, Section> SplitSections(IReadOnlyList<MarkdownBlock> blocks, HeadingBlock title)
    {
        var sections = new Dictionary<string, Section>(StringComparer.Ordinal);
        int expected = 0;
        HeadingBlock? current = null;
        var body = new List<MarkdownBlock>();
        foreach (MarkdownBlock block in blocks.Skip(1))
        {
            if (block is HeadingBlock { Level: <= 2 } heading)
            {
                if (heading.Level == 1)
                {
                    throw Error(heading.Line, "a page has exactly one '#' title");
                }

                if (current is not null)
                {
                    sections[current.Text] = new Section(current, [.. body]);
                }
                else if (body.Count > 0)
                {
                    throw Error(body[0].Line, "text between the title and '## SYNOPSIS'");
                }

                if (expected >= Sections.Count || heading.Text != Sections[expected])
                {
                    string wanted = expected < Sections.Count ? $"'## {Sections[expected]}'" : "the end of the page";
                    throw Error(heading.Line, $"unexpected section '## {heading.Text}': expected {wanted} (sections: {string.Join(", ", Sections)})");
                }

                expected++;
                current = heading;
                body.Clear();
            }
            else
            {
                body.Add(block);
            }
        }

        if (current is not null)
        {
            sections[current.Text] = new Section(current, [.. body]);
        }

        if (expected < Sections.Count)
        {
            throw Error(current?.Line ?? title.Line, $"missing section '## {Sections[expected]}'");
        }

        return sections;
    }

    private IReadOnlyList<SyntaxSet> ReadSyntax(Section section, string commandName, IReadOnlyList<ParameterHelp> parameters)
    {
        var syntaxBlocks = new List<(string SetName, FenceBlock Fence)>();
        IReadOnlyList<MarkdownBlock> blocks = section.Blocks;
        if (blocks.Count == 1 && blocks[0] is FenceBlock single)
        {
            syntaxBlocks.Add((DefaultSetName, single));
        }
        else
        {
            for (int i = 0; i < blocks.Count; i++)
            {
                if (blocks[i] is not HeadingBlock { Level: 3 } setHeading || i + 1 >= blocks.Count || blocks[i + 1] is not FenceBlock fence)
                {
                    throw Error(blocks[i].Line, "SYNTAX holds one '### <ParameterSetName>' heading followed by one code block per parameter set");
                }

                // platyPS marks the default set in the heading only: '### Path (Default)'.
                string setName = DefaultMarker().Replace(setHeading.Text, string.Empty);
                if (syntaxBlocks.Any(s => string.Equals(s.SetName, setName, StringComparison.OrdinalIgnoreCase)))
                {
                    throw Error(setHeading.Line, $"parameter set '{setName}' appears twice");
                }

                syntaxBlocks.Add((setName, fence));
                i++;
            }
        }

        if (syntaxBlocks.Count == 0)
        {
            throw Error(section.Heading.Line, "SYNTAX is empty");
        }

        string[] setNames = [.. syntaxBlocks.Select(s => s.SetName)];
        CheckParameterSetsExist(parameters, setNames);
        var result = new List<SyntaxSet>();
        foreach ((string setName, FenceBlock fence) in syntaxBlocks)
        {
            string code = fence.Code.Trim();
            if (!code.StartsWith(commandName, StringComparison.OrdinalIgnoreCase))
            {
                throw Error(fence.Line + 1, $"the syntax of '{setName}' must start with the command name '{commandName}'");
            }

            string[] shown = [.. SyntaxParameter().Matches(code).Select(m => m.Groups[1].Value)];
            bool onlySet = setNames.Length == 1;
            string[] documented = [.. parameters.Where(p => p.For(setName) is not null || (onlySet && p.Metadata.Count > 0)).Select(p => p.Name)];
            string? missing = documented.FirstOrDefault(p => !shown.Contains(p, StringComparer.OrdinalIgnoreCase));
            if (missing is not null)
            {
                throw Error(fence.Line + 1, $"parameter -{missing} belongs to set '{setName}' but its syntax block does not show it");
            }

            string? extra = shown.FirstOrDefault(p => !documented.Contains(p, StringComparer.OrdinalIgnoreCase));
            if (extra is not null)
            {
                throw Error(fence.Line + 1, $"syntax of '{setName}' shows -{extra}, which has no '### -{extra}' entry for this set under PARAMETERS");
            }

            // MAML lists parameters in the order the page shows them, with the documented spelling.
            result.Add(new SyntaxSet(setName, [.. shown.Select(s => documented.First(d => string.Equals(d, s, StringComparison.OrdinalIgnoreCase))).Distinct()]));
        }

        return result;
    }

    private void CheckParameterSetsExist(IReadOnlyList<ParameterHelp> parameters, string[] setNames)
    {
        foreach (ParameterHelp parameter in parameters)
        {
            foreach ((string set, int line) in parameter.Metadata.SelectMany(m => m.ParameterSets.Select(s => (s, m.ParameterSetsLine))))
            {
                bool known = set == ParameterMetadata.AllSets || setNames.Contains(set, StringComparer.OrdinalIgnoreCase)
                    || (setNames.Length == 1 && setNames[0] == DefaultSetName);
                if (!known)
                {
                    throw Error(line, $"parameter -{parameter.Name} names set '{set}', which SYNTAX does not have (sets: {string.Join(", ", setNames)})");
                }
            }
        }
    }

    private IReadOnlyList<ParameterHelp> ReadParameters(Section section)
    {
        var parameters = new List<ParameterHelp>();
        bool sawCommonParameters = false;
        IReadOnlyList<MarkdownBlock> blocks = section.Blocks;
        int i = 0;
        while (i < blocks.Count)
        {
            if (blocks[i] is not HeadingBlock { Level: 3 } heading)
            {
                throw Error(blocks[i].Line, "PARAMETERS holds '### -<Name>' entries and '### CommonParameters' only");
            }

            List<MarkdownBlock> body = [.. blocks.Skip(i + 1).TakeWhile(b => b is not HeadingBlock)];
            i += 1 + body.Count;
            if (heading.Text == CommonParametersHeading)
            {
                sawCommonParameters = true;
                continue;
            }

            if (sawCommonParameters)
            {
                throw Error(heading.Line, "'### CommonParameters' comes after every parameter");
            }

            Match name = ParameterHeading().Match(heading.Text);
            if (!name.Success)
            {
                throw Error(heading.Line, $"parameter heading must be '### -<Name>', found '### {heading.Text}'");
            }

            if (parameters.Any(p => string.Equals(p.Name, name.Groups[1].Value, StringComparison.OrdinalIgnoreCase)))
            {
                throw Error(heading.Line, $"parameter -{name.Groups[1].Value} is documented twice");
            }

            parameters.Add(ReadParameter(heading, name.Groups[1].Value, body));
        }

        if (!sawCommonParameters)
        {
            throw Error(section.Heading.Line, "PARAMETERS must end with '### CommonParameters'");
        }

        return parameters;
    }

    private ParameterHelp ReadParameter(HeadingBlock heading, string name, List<MarkdownBlock> body)
    {
        int firstYaml = body.FindIndex(b => b is FenceBlock f && f.Info == "yaml");
        if (firstYaml < 0)
        {
            throw Error(heading.Line, $"parameter -{name} has no ```yaml metadata block");
        }

        List<MarkdownBlock> description = body.GetRange(0, firstYaml);
        if (description.Count == 0)
        {
            throw Error(heading.Line, $"parameter -{name} has no description");
        }

        var metadata = new List<ParameterMetadata>();
        foreach (MarkdownBlock block in body.Skip(firstYaml))
        {
            if (block is not FenceBlock { Info: "yaml" } yaml)
            {
                throw Error(block.Line, $"only ```yaml blocks may follow the metadata of -{name}; put its description before them");
            }

            metadata.Add(ParameterMetadataParser.Parse(file, yaml.Line, yaml.Code));
        }

        return new ParameterHelp(name, Paragraphs(description, allowCode: true), metadata);
    }

    private List<TypeHelp> ReadTypes(Section section)
    {
        var types = new List<TypeHelp>();
        IReadOnlyList<MarkdownBlock> blocks = section.Blocks;
        int i = 0;
        while (i < blocks.Count)
        {
            if (blocks[i] is not HeadingBlock { Level: 3 } heading)
            {
                throw Error(blocks[i].Line, $"{section.Heading.Text} holds '### <TypeName>' entries (use '### None' when there are none)");
            }

            List<MarkdownBlock> body = [.. blocks.Skip(i + 1).TakeWhile(b => b is not HeadingBlock)];
            i += 1 + body.Count;
            types.Add(new TypeHelp(heading.Text, Paragraphs(body, allowCode: false)));
        }

        if (types.Count == 0)
        {
            throw Error(section.Heading.Line, $"{section.Heading.Text} is empty (use '### None' when there are none)");
        }

        return types;
    }

    private List<ExampleHelp> ReadExamples(Section section)
    {
        var examples = new List<ExampleHelp>();
        IReadOnlyList<MarkdownBlock> blocks = section.Blocks;
        int i = 0;
        while (i < blocks.Count)
        {
            if (blocks[i] is not HeadingBlock { Level: 3 } heading || !ExampleHeading().IsMatch(heading.Text))
            {
                throw Error(blocks[i].Line, "EXAMPLES holds '### Example <n>: <title>' entries, each with a code block and then text");
            }

            List<MarkdownBlock> body = [.. blocks.Skip(i + 1).TakeWhile(b => b is not HeadingBlock)];
            i += 1 + body.Count;
            List<FenceBlock> code = [.. body.TakeWhile(b => b is FenceBlock).Cast<FenceBlock>()];
            if (code.Count == 0)
            {
                throw Error(heading.Line, $"'{heading.Text}' must start with a ```powershell code block");
            }

            List<MarkdownBlock> remarks = [.. body.Skip(code.Count)];
            examples.Add(new ExampleHelp(heading.Text, string.Join("\n\n", code.Select(c => c.Code)), Paragraphs(remarks, allowCode: true)));
        }

        if (examples.Count == 0)
        {
            throw Error(section.Heading.Line, "EXAMPLES needs at least one example");
        }

        return examples;
    }

    private List<RelatedLink> ReadLinks(Section section)
    {
        var links = new List<RelatedLink>();
        foreach (MarkdownBlock block in section.Blocks)
        {
            if (block is not ParagraphBlock paragraph)
            {
                throw Error(block.Line, "RELATED LINKS holds '[text](uri)' lines only");
            }

            for (int n = 0; n < paragraph.Lines.Count; n++)
            {
                Match link = LinkLine().Match(paragraph.Lines[n].Trim());
                if (!link.Success)
                {
                    throw Error(paragraph.Line + n, $"not a '[text](uri)' link: '{paragraph.Lines[n].Trim()}'");
                }

                links.Add(new RelatedLink(link.Groups[1].Value, link.Groups[2].Value.Trim()));
            }
        }

        return links;
    }

    private IReadOnlyList<string> RequireText(Section section, IReadOnlyList<string> paragraphs) =>
        paragraphs.Count > 0 ? paragraphs : throw Error(section.Heading.Line, $"{section.Heading.Text} is empty");

    /// <summary>
    /// Turns Markdown text into MAML paragraphs: blank-line separated paragraphs, one per list item, soft
    /// line breaks joined (Get-Help re-wraps text to the console width). Code stays verbatim.
    /// </summary>
    private List<string> Paragraphs(IEnumerable<MarkdownBlock> blocks, bool allowCode)
    {
        var result = new List<string>();
        foreach (MarkdownBlock block in blocks)
        {
            switch (block)
            {
                case ParagraphBlock paragraph:
                    string? current = null;
                    foreach (string raw in paragraph.Lines)
                    {
                        string line = raw.Trim();
                        if (current is null || ListItem().IsMatch(line))
                        {
                            if (current is not null)
                            {
                                result.Add(current);
                            }

                            current = Unescape(line);
                        }
                        else
                        {
                            current += " " + Unescape(line);
                        }
                    }

                    if (current is not null)
                    {
                        result.Add(current);
                    }

                    break;
                case FenceBlock fence when allowCode:
                    result.Add(fence.Code);
                    break;
                default:
                    throw Error(block.Line, block is HeadingBlock h
                        ? $"unexpected heading '{h.Text}' here"
                        : "a code block is not allowed here");
            }
        }

        return result;
    }

    /// <summary>platyPS escapes Markdown characters with a backslash; Get-Help should show the plain character.</summary>
    private static string Unescape(string text) => MarkdownEscape().Replace(text, "$1");

    private HelpFormatException Error(int line, string problem) => new(file, line, problem);

    [GeneratedRegex(@"\s+\(Default\)$")]
    private static partial Regex DefaultMarker();

    [GeneratedRegex(@"\{\{[^}]*\}\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"(?<=^|[\s\[])-([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex SyntaxParameter();

    [GeneratedRegex(@"^-([A-Za-z_][A-Za-z0-9_]*)$")]
    private static partial Regex ParameterHeading();

    [GeneratedRegex(@"^Example \d+(: .+)?$")]
    private static partial Regex ExampleHeading();

    [GeneratedRegex(@"^\[([^\]]+)\]\(([^)]*)\)$")]
    private static partial Regex LinkLine();

    [GeneratedRegex(@"^([-*+]|\d+[.)])\s")]
    private static partial Regex ListItem();

    [GeneratedRegex(@"\\([\\`*_{}\[\]()#+\-.!<>|])")]
    private static partial Regex MarkdownEscape();
}
