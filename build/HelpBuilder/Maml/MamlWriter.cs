using System.Text;
using System.Xml;
using DiskTools.HelpBuilder.Model;

namespace DiskTools.HelpBuilder.Maml;

/// <summary>
/// Writes commands as a MAML help file (helpItems/command:command), the layout PowerShell's Get-Help reads
/// for cmdlets and platyPS's New-ExternalHelp produces.
/// </summary>
public static class MamlWriter
{
    private const string MshNs = "http://msh";
    private const string MamlNs = "http://schemas.microsoft.com/maml/2004/10";
    private const string CommandNs = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private const string DevNs = "http://schemas.microsoft.com/maml/dev/2004/10";
    private const string MsHelpNs = "http://msdn.microsoft.com/mshelp";

    public static void Write(Stream stream, IEnumerable<CommandHelp> commands)
    {
        var settings = new XmlWriterSettings { Indent = true, IndentChars = "  ", Encoding = new UTF8Encoding(false) };
        using XmlWriter xml = XmlWriter.Create(stream, settings);
        xml.WriteStartDocument();
        xml.WriteStartElement("helpItems", MshNs);
        xml.WriteAttributeString("schema", "maml");
        foreach (CommandHelp command in commands)
        {
            WriteCommand(xml, command);
        }

        xml.WriteEndElement();
        xml.WriteEndDocument();
    }

    public static string WriteToString(IEnumerable<CommandHelp> commands)
    {
        using var stream = new MemoryStream();
        Write(stream, commands);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteCommand(XmlWriter xml, CommandHelp command)
    {
        xml.WriteStartElement("command", "command", CommandNs);
        xml.WriteAttributeString("xmlns", "maml", null, MamlNs);
        xml.WriteAttributeString("xmlns", "command", null, CommandNs);
        xml.WriteAttributeString("xmlns", "dev", null, DevNs);
        xml.WriteAttributeString("xmlns", "MSHelp", null, MsHelpNs);

        xml.WriteStartElement("command", "details", CommandNs);
        xml.WriteElementString("command", "name", CommandNs, command.Name);
        xml.WriteElementString("command", "verb", CommandNs, command.Verb);
        xml.WriteElementString("command", "noun", CommandNs, command.Noun);
        WriteDescription(xml, "maml", "description", MamlNs, command.Synopsis);
        xml.WriteEndElement();

        WriteDescription(xml, "maml", "description", MamlNs, command.Description);
        WriteSyntax(xml, command);

        xml.WriteStartElement("command", "parameters", CommandNs);
        foreach (ParameterHelp parameter in command.Parameters.Where(p => p.Metadata.Count > 0))
        {
            WriteParameter(xml, parameter, parameter.Metadata[0], inSyntax: false);
        }

        xml.WriteEndElement();

        WriteTypes(xml, "inputTypes", "inputType", command.Inputs);
        WriteTypes(xml, "returnValues", "returnValue", command.Outputs);

        xml.WriteStartElement("maml", "alertSet", MamlNs);
        WriteDescription(xml, "maml", "alert", MamlNs, command.Notes);
        xml.WriteEndElement();

        WriteExamples(xml, command.Examples);
        WriteLinks(xml, command);
        xml.WriteEndElement();
    }

    private static void WriteSyntax(XmlWriter xml, CommandHelp command)
    {
        xml.WriteStartElement("command", "syntax", CommandNs);
        foreach (SyntaxSet set in command.Syntax)
        {
            xml.WriteStartElement("command", "syntaxItem", CommandNs);
            xml.WriteElementString("maml", "name", MamlNs, command.Name);
            foreach (string name in set.ParameterNames)
            {
                ParameterHelp parameter = command.Parameters.First(p => p.Name == name);

                // The parser proved membership; a lone unnamed set takes whatever block the page gives.
                WriteParameter(xml, parameter, parameter.For(set.Name) ?? parameter.Metadata[0], inSyntax: true);
            }

            xml.WriteEndElement();
        }

        xml.WriteEndElement();
    }

    private static void WriteParameter(XmlWriter xml, ParameterHelp parameter, ParameterMetadata metadata, bool inSyntax)
    {
        string type = metadata.IsSwitch ? "SwitchParameter" : metadata.Type;
        xml.WriteStartElement("command", "parameter", CommandNs);
        xml.WriteAttributeString("required", Lower(metadata.Required));
        xml.WriteAttributeString("variableLength", Lower(metadata.IsArray));
        xml.WriteAttributeString("globbing", Lower(metadata.Globbing));
        xml.WriteAttributeString("pipelineInput", metadata.PipelineInput);
        xml.WriteAttributeString("position", metadata.Position);
        xml.WriteAttributeString("aliases", metadata.Aliases.Count > 0 ? string.Join(", ", metadata.Aliases) : "none");
        xml.WriteElementString("maml", "name", MamlNs, parameter.Name);
        WriteDescription(xml, "maml", "description", MamlNs, parameter.Description);

        if (inSyntax && metadata.AcceptedValues.Count > 0)
        {
            xml.WriteStartElement("command", "parameterValueGroup", CommandNs);
            foreach (string value in metadata.AcceptedValues)
            {
                xml.WriteStartElement("command", "parameterValue", CommandNs);
                xml.WriteAttributeString("required", "false");
                xml.WriteAttributeString("variableLength", "false");
                xml.WriteString(value);
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
        }

        // Get-Help prints a switch in SYNTAX as [-Name] without a value placeholder.
        if (!(inSyntax && metadata.IsSwitch))
        {
            xml.WriteStartElement("command", "parameterValue", CommandNs);
            xml.WriteAttributeString("required", Lower(!metadata.IsSwitch));
            xml.WriteAttributeString("variableLength", Lower(metadata.IsArray));
            xml.WriteString(type);
            xml.WriteEndElement();
        }

        xml.WriteStartElement("dev", "type", DevNs);
        xml.WriteElementString("maml", "name", MamlNs, type);
        xml.WriteElementString("maml", "uri", MamlNs, string.Empty);
        xml.WriteEndElement();
        xml.WriteElementString("dev", "defaultValue", DevNs, metadata.DefaultValue);
        xml.WriteEndElement();
    }

    private static void WriteTypes(XmlWriter xml, string listName, string itemName, IReadOnlyList<TypeHelp> types)
    {
        xml.WriteStartElement("command", listName, CommandNs);
        foreach (TypeHelp type in types)
        {
            xml.WriteStartElement("command", itemName, CommandNs);
            xml.WriteStartElement("dev", "type", DevNs);
            xml.WriteElementString("maml", "name", MamlNs, type.TypeName);
            xml.WriteEndElement();
            WriteDescription(xml, "maml", "description", MamlNs, type.Description);
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
    }

    private static void WriteExamples(XmlWriter xml, IReadOnlyList<ExampleHelp> examples)
    {
        xml.WriteStartElement("command", "examples", CommandNs);
        foreach (ExampleHelp example in examples)
        {
            xml.WriteStartElement("command", "example", CommandNs);

            // Get-Help prints the title as is; the rule of dashes sets examples apart as in PowerShell's own help.
            xml.WriteElementString("maml", "title", MamlNs, $"--------- {example.Title} ---------");
            xml.WriteElementString("dev", "code", DevNs, example.Code);
            WriteDescription(xml, "dev", "remarks", DevNs, example.Remarks);
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
    }

    private static void WriteLinks(XmlWriter xml, CommandHelp command)
    {
        xml.WriteStartElement("command", "relatedLinks", CommandNs);

        // Get-Help -Online opens the first link that has a URI; platyPS puts the page's online version there.
        IEnumerable<RelatedLink> links = command.OnlineUri is null
            ? command.Links
            : command.Links.Prepend(new RelatedLink("Online Version:", command.OnlineUri));
        foreach (RelatedLink link in links)
        {
            xml.WriteStartElement("maml", "navigationLink", MamlNs);
            xml.WriteElementString("maml", "linkText", MamlNs, link.Text);
            xml.WriteElementString("maml", "uri", MamlNs, link.Uri);
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
    }

    private static void WriteDescription(XmlWriter xml, string prefix, string name, string ns, IReadOnlyList<string> paragraphs)
    {
        xml.WriteStartElement(prefix, name, ns);
        foreach (string paragraph in paragraphs)
        {
            xml.WriteElementString("maml", "para", MamlNs, paragraph);
        }

        xml.WriteEndElement();
    }

    private static string Lower(bool value) => value ? "true" : "false";
}
