using System.Xml.Linq;
using DiskTools.HelpBuilder;
using DiskTools.HelpBuilder.Markdown;
using Xunit;

namespace DiskTools.Build.Tests;

public sealed class HelpFileBuilderTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("disktools-help-").FullName;

    private string Output => Path.Combine(directory, "out", "DiskTools.dll-Help.xml");

    [Fact]
    public void Writes_one_command_per_page_and_skips_about_topics()
    {
        File.WriteAllText(Path.Combine(directory, SamplePage.FileName), SamplePage.Text);
        File.WriteAllText(Path.Combine(directory, "Get-Second.md"), SamplePage.Text.Replace("# Get-Sample", "# Get-Second", StringComparison.Ordinal).Replace("Get-Sample ", "Get-Second ", StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(directory, "about_DiskTools.md"), "plain text, not a command page");

        var commands = HelpFileBuilder.Build(directory, Output);

        Assert.Equal(["Get-Sample", "Get-Second"], commands.Select(c => c.Name));
        Assert.Equal(2, XDocument.Load(Output).Root!.Elements().Count());
    }

    [Fact]
    public void Reports_every_malformed_page_and_writes_nothing()
    {
        File.WriteAllText(Path.Combine(directory, SamplePage.FileName), SamplePage.Text);
        File.WriteAllText(Path.Combine(directory, "Get-Broken.md"), SamplePage.Text.Replace("# Get-Sample", "# Get-Broken", StringComparison.Ordinal).Replace("## NOTES", "## NOTE", StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(directory, "Get-Empty.md"), "no front matter");

        AggregateException failure = Assert.Throws<AggregateException>(() => HelpFileBuilder.Build(directory, Output));

        Assert.Equal(
            ["Get-Broken.md", "Get-Empty.md"],
            failure.InnerExceptions.Cast<HelpFormatException>().Select(e => Path.GetFileName(e.File)));
        Assert.False(File.Exists(Output));
    }

    [Fact]
    public void The_module_pages_in_the_source_tree_convert()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "DiskTools.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("DiskTools.sln not found");
        }

        var commands = HelpFileBuilder.Build(Path.Combine(root, "docs", "en-US"), Output);

        Assert.NotEmpty(commands);
        Assert.All(commands, c => Assert.NotEmpty(c.Examples));
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
