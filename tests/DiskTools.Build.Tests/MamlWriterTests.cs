using System.Xml;
using System.Xml.Linq;
using System.Xml.XPath;
using DiskTools.HelpBuilder.Maml;
using DiskTools.HelpBuilder.Markdown;
using Xunit;

namespace DiskTools.Build.Tests;

public sealed class MamlWriterTests
{
    private static readonly XmlNamespaceManager Ns = CreateNamespaces();

    private static readonly XDocument Maml = XDocument.Parse(
        MamlWriter.WriteToString([HelpPageParser.Parse(SamplePage.FileName, SamplePage.Text, "DiskTools.dll-Help.xml")]));

    private static XElement One(string xpath) => Assert.Single(Maml.XPathSelectElements(xpath, Ns));

    private static string[] Texts(string xpath) => [.. Maml.XPathSelectElements(xpath, Ns).Select(e => e.Value)];

    [Fact]
    public void Root_is_a_maml_helpItems_with_one_command_per_page()
    {
        Assert.Equal("helpItems", Maml.Root!.Name.LocalName);
        Assert.Equal("maml", Maml.Root.Attribute("schema")?.Value);
        XElement details = One("/msh:helpItems/command:command/command:details");
        Assert.Equal("Get-Sample", details.XPathSelectElement("command:name", Ns)!.Value);
        Assert.Equal("Get", details.XPathSelectElement("command:verb", Ns)!.Value);
        Assert.Equal("Sample", details.XPathSelectElement("command:noun", Ns)!.Value);
        Assert.Equal(["Gets samples from somewhere."], Texts("//command:details/maml:description/maml:para"));
    }

    [Fact]
    public void Description_notes_and_types_become_paragraphs()
    {
        Assert.Equal(3, Texts("/msh:helpItems/command:command/maml:description/maml:para").Length);
        Assert.Equal(["A note."], Texts("//maml:alertSet/maml:alert/maml:para"));
        Assert.Equal(["System.String[]"], Texts("//command:inputTypes/command:inputType/dev:type/maml:name"));
        Assert.Equal(["DiskTools.Sample"], Texts("//command:returnValues/command:returnValue/dev:type/maml:name"));
        Assert.Equal(["One per path."], Texts("//command:returnValue/maml:description/maml:para"));
    }

    [Fact]
    public void Syntax_has_one_item_per_set_with_its_parameters_in_order()
    {
        Assert.Equal(2, Maml.XPathSelectElements("//command:syntax/command:syntaxItem", Ns).Count());
        Assert.Equal(["Path", "Depth", "Force"], Texts("//command:syntaxItem[1]/command:parameter/maml:name"));
        Assert.Equal(["LiteralPath", "Depth", "Force"], Texts("//command:syntaxItem[2]/command:parameter/maml:name"));

        // A switch shows no value placeholder in syntax; accepted values become a value group.
        Assert.Empty(Maml.XPathSelectElements("//command:syntaxItem/command:parameter[maml:name='Force']/command:parameterValue", Ns));
        Assert.Equal(["1", "2", "3"], Texts("//command:syntaxItem[1]/command:parameter[maml:name='Depth']/command:parameterValueGroup/command:parameterValue"));
    }

    [Fact]
    public void Parameters_carry_their_metadata_as_attributes()
    {
        XElement path = One("//command:parameters/command:parameter[maml:name='Path']");
        Assert.Equal("true", path.Attribute("required")?.Value);
        Assert.Equal("true", path.Attribute("variableLength")?.Value);
        Assert.Equal("true", path.Attribute("globbing")?.Value);
        Assert.Equal("True (ByPropertyName, ByValue)", path.Attribute("pipelineInput")?.Value);
        Assert.Equal("0", path.Attribute("position")?.Value);
        Assert.Equal("none", path.Attribute("aliases")?.Value);
        Assert.Equal("String[]", path.XPathSelectElement("command:parameterValue", Ns)?.Value);
        Assert.Equal("String[]", path.XPathSelectElement("dev:type/maml:name", Ns)?.Value);
        Assert.Equal("None", path.XPathSelectElement("dev:defaultValue", Ns)?.Value);
        Assert.Equal("Paths to read. Wildcards are permitted.", path.XPathSelectElement("maml:description/maml:para", Ns)?.Value);

        XElement literal = One("//command:parameters/command:parameter[maml:name='LiteralPath']");
        Assert.Equal("PSPath, LP", literal.Attribute("aliases")?.Value);
        Assert.Equal("named", literal.Attribute("position")?.Value);

        XElement force = One("//command:parameters/command:parameter[maml:name='Force']");
        Assert.Equal("false", force.XPathSelectElement("command:parameterValue", Ns)?.Attribute("required")?.Value);
        Assert.Equal("SwitchParameter", force.XPathSelectElement("dev:type/maml:name", Ns)?.Value);
    }

    [Fact]
    public void Examples_and_links_are_written_with_the_online_version_first()
    {
        XElement example = One("//command:examples/command:example");
        Assert.Contains("Example 1: Get one sample", example.XPathSelectElement("maml:title", Ns)!.Value, StringComparison.Ordinal);
        Assert.Equal("Get-Sample -Path /tmp", example.XPathSelectElement("dev:code", Ns)!.Value);
        Assert.Equal("Gets the sample in /tmp.", example.XPathSelectElement("dev:remarks/maml:para", Ns)!.Value);

        Assert.Equal(["Online Version:", "Get-Other"], Texts("//command:relatedLinks/maml:navigationLink/maml:linkText"));
        Assert.Equal(["https://example.org/get-sample", "Get-Other.md"], Texts("//command:relatedLinks/maml:navigationLink/maml:uri"));
    }

    private static XmlNamespaceManager CreateNamespaces()
    {
        var ns = new XmlNamespaceManager(new NameTable());
        ns.AddNamespace("msh", "http://msh");
        ns.AddNamespace("maml", "http://schemas.microsoft.com/maml/2004/10");
        ns.AddNamespace("command", "http://schemas.microsoft.com/maml/dev/command/2004/10");
        ns.AddNamespace("dev", "http://schemas.microsoft.com/maml/dev/2004/10");
        return ns;
    }
}
