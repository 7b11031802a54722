using DiskTools.HelpBuilder.Markdown;
using DiskTools.HelpBuilder.Model;
using Xunit;

namespace DiskTools.Build.Tests;

public sealed class HelpPageParserTests
{
    private const string HelpFile = "DiskTools.dll-Help.xml";

    private static CommandHelp Parse(string text, string fileName = SamplePage.FileName) =>
        HelpPageParser.Parse(fileName, text, HelpFile);

    [Fact]
    public void Reads_every_section_of_a_well_formed_page()
    {
        CommandHelp help = Parse(SamplePage.Text);

        Assert.Equal("Get-Sample", help.Name);
        Assert.Equal(("Get", "Sample"), (help.Verb, help.Noun));
        Assert.Equal("https://example.org/get-sample", help.OnlineUri);
        Assert.Equal(["Gets samples from somewhere."], help.Synopsis);
        Assert.Equal(["First paragraph continues here.", "- item one", "- item two *escaped*"], help.Description);
        Assert.Equal(["A note."], help.Notes);
        Assert.Equal([new RelatedLink("Get-Other", "Get-Other.md")], help.Links);
        Assert.Equal("System.String[]", Assert.Single(help.Inputs).TypeName);
        Assert.Equal(["One per path."], Assert.Single(help.Outputs).Description);

        ExampleHelp example = Assert.Single(help.Examples);
        Assert.Equal("Example 1: Get one sample", example.Title);
        Assert.Equal("Get-Sample -Path /tmp", example.Code);
        Assert.Equal(["Gets the sample in /tmp."], example.Remarks);
    }

    [Fact]
    public void Syntax_sets_list_their_parameters_in_page_order_without_the_default_marker()
    {
        CommandHelp help = Parse(SamplePage.Text);

        Assert.Equal(["Path", "LiteralPath"], help.Syntax.Select(s => s.Name));
        Assert.Equal(["Path", "Depth", "Force"], help.Syntax[0].ParameterNames);
        Assert.Equal(["LiteralPath", "Depth", "Force"], help.Syntax[1].ParameterNames);
    }

    [Fact]
    public void Parameter_metadata_is_read_from_the_yaml_block()
    {
        CommandHelp help = Parse(SamplePage.Text);
        ParameterMetadata path = help.Parameters.Single(p => p.Name == "Path").Metadata.Single();
        ParameterMetadata literal = help.Parameters.Single(p => p.Name == "LiteralPath").Metadata.Single();
        ParameterMetadata depth = help.Parameters.Single(p => p.Name == "Depth").Metadata.Single();
        ParameterMetadata force = help.Parameters.Single(p => p.Name == "Force").Metadata.Single();

        Assert.Equal(("String[]", true, "0", true, "True (ByPropertyName, ByValue)"), (path.Type, path.Required, path.Position, path.Globbing, path.PipelineInput));
        Assert.True(path.IsArray);
        Assert.Empty(path.Aliases);
        Assert.Equal(["PSPath", "LP"], literal.Aliases);
        Assert.Equal("named", literal.Position);
        Assert.Equal(["1", "2", "3"], depth.AcceptedValues);
        Assert.Equal("1", depth.DefaultValue);
        Assert.True(depth.AppliesToAllSets);
        Assert.True(force.IsSwitch);
        Assert.Equal(["Paths to read. Wildcards are permitted."], help.Parameters[0].Description);
    }

    [Fact]
    public void A_parameter_may_carry_one_yaml_block_per_set_when_they_differ()
    {
        string text = SamplePage.Text.Replace("""
            Accept pipeline input: False
            Accept wildcard characters: False
            ```

            ### -Force
            """, """
            Accept pipeline input: False
            Accept wildcard characters: False
            ```

            ```yaml
            Type: Int32
            Parameter Sets: LiteralPath
            Aliases:

            Required: True
            Position: Named
            Default value: None
            Accept pipeline input: False
            Accept wildcard characters: False
            ```

            ### -Force
            """, StringComparison.Ordinal);

        ParameterHelp depth = Parse(text).Parameters.Single(p => p.Name == "Depth");

        Assert.False(depth.For("Path")!.Required);
        Assert.True(depth.For("LiteralPath")!.Required);
    }

    public static TheoryData<string, string, string, int, string> MalformedPages => new()
    {
        // replace this, with this, error expected on the line containing (plus offset), message contains
        { "schema: 2.0.0", "schema: 1.0.0", "---", 0, "schema: 2.0.0" },
        { "external help file: DiskTools.dll-Help.xml", "external help file: Other.dll-Help.xml", "---", 0, "external help file" },
        { "# Get-Sample", "# Get-Samples", "# Get-Samples", 0, "does not match the file name" },
        { "## NOTES\nA note.\n\n", "", "## RELATED LINKS", 0, "expected '## NOTES'" },
        { "## NOTES", "## REMARKS", "## REMARKS", 0, "unexpected section" },
        { "Paths to read. Wildcards are permitted.", "{{ Fill Path Description }}", "{{ Fill Path Description }}", 0, "placeholder" },
        { "Include hidden items.\n", "", "### -Force", 0, "-Force has no description" },
        { "Required: True\nPosition: 0", "Required: Yes\nPosition: 0", "Required: Yes", 0, "True or False" },
        { "Position: 0", "Position: first", "Position: first", 0, "Named or a number" },
        { "Accept pipeline input: True (ByPropertyName)\n", "Accept pipeline input: Yes\n", "Accept pipeline input: Yes", 0, "Accept pipeline input" },
        { "Aliases: PSPath, LP\n", "Aliases: PSPath, LP\nMandatory: True\n", "Mandatory: True", 0, "unknown parameter metadata" },
        { "Default value: 1\n", "", "How deep to go.", 2, "lacks 'Default value:'" },
        { "Get-Sample -LiteralPath <String[]> [-Depth <Int32>] [-Force]", "Get-Sample -LiteralPath <String[]> [-Depth <Int32>]", "Get-Sample -LiteralPath", 0, "-Force belongs to set 'LiteralPath'" },
        { "[-Depth <Int32>] [-Force] [<CommonParameters>]\n```\n\n### LiteralPath", "[-Depth <Int32>] [-Force] [-Recurse] [<CommonParameters>]\n```\n\n### LiteralPath", "[-Recurse]", 0, "shows -Recurse" },
        { "Parameter Sets: LiteralPath", "Parameter Sets: Literal", "Parameter Sets: Literal", 0, "names set 'Literal'" },
        { "```powershell\nGet-Sample -Path /tmp\n```\n\nGets the sample in /tmp.", "Gets the sample in /tmp.", "### Example 1", 0, "must start with a ```powershell code block" },
        { "### Example 1: Get one sample", "### First example", "### First example", 0, "### Example <n>: <title>" },
        { "### CommonParameters\nThis cmdlet supports the common parameters.\n", "", "## PARAMETERS", 0, "'### CommonParameters'" },
        { "### System.String[]\nPaths.\n", "", "## INPUTS", 0, "INPUTS is empty" },
        { "[Get-Other](Get-Other.md)", "See Get-Other.", "See Get-Other.", 0, "not a '[text](uri)' link" },
        { "```powershell\nGet-Sample -Path /tmp\n```", "```powershell\nGet-Sample -Path /tmp\n", "```powershell", 0, "never closed" },
        { "Gets samples\nfrom somewhere.\n", "", "## SYNOPSIS", 0, "SYNOPSIS is empty" },
    };

    [Theory]
    [MemberData(nameof(MalformedPages))]
    public void A_malformed_page_is_rejected_with_file_and_line(string find, string replacement, string lineWith, int offset, string message)
    {
        string sample = SamplePage.Text.ReplaceLineEndings("\n");
        Assert.Contains(find, sample, StringComparison.Ordinal);
        string text = sample.Replace(find, replacement, StringComparison.Ordinal);

        HelpFormatException error = Assert.Throws<HelpFormatException>(() => Parse(text));

        Assert.Equal(SamplePage.FileName, error.File);
        Assert.Contains(message, error.Problem, StringComparison.Ordinal);
        Assert.Equal(SamplePage.LineOf(text, lineWith) + offset, error.Line);
        Assert.StartsWith($"{SamplePage.FileName}:{error.Line}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_single_unnamed_syntax_block_is_the_only_parameter_set()
    {
        string text = SamplePage.Text.ReplaceLineEndings("\n")
            .Replace("### Path (Default)\n", "", StringComparison.Ordinal)
            .Replace("\n### LiteralPath\n```\nGet-Sample -LiteralPath <String[]> [-Depth <Int32>] [-Force] [<CommonParameters>]\n```\n", "", StringComparison.Ordinal)
            .Replace("Parameter Sets: LiteralPath", "Parameter Sets: (All)", StringComparison.Ordinal)
            .Replace("Get-Sample [-Path] <String[]>", "Get-Sample [-Path] <String[]> -LiteralPath <String[]>", StringComparison.Ordinal);

        SyntaxSet set = Assert.Single(Parse(text).Syntax);

        Assert.Equal(HelpPageParser.DefaultSetName, set.Name);
        Assert.Equal(["Path", "LiteralPath", "Depth", "Force"], set.ParameterNames);
    }
}
