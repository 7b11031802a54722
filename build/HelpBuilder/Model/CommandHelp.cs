namespace DiskTools.HelpBuilder.Model;

/// <summary>Everything one help page says about a cmdlet, in the shape MAML needs.</summary>
/// <remarks>Paragraph lists hold one entry per MAML paragraph (maml:para).</remarks>
public sealed record CommandHelp(
    string Name,
    string? OnlineUri,
    IReadOnlyList<string> Synopsis,
    IReadOnlyList<string> Description,
    IReadOnlyList<SyntaxSet> Syntax,
    IReadOnlyList<ParameterHelp> Parameters,
    IReadOnlyList<TypeHelp> Inputs,
    IReadOnlyList<TypeHelp> Outputs,
    IReadOnlyList<string> Notes,
    IReadOnlyList<ExampleHelp> Examples,
    IReadOnlyList<RelatedLink> Links)
{
    public string Verb => Name.Split('-', 2)[0];

    public string Noun => Name.Contains('-', StringComparison.Ordinal) ? Name.Split('-', 2)[1] : string.Empty;
}

/// <summary>A parameter set: its name and its parameters in the order the page's syntax block shows them.</summary>
public sealed record SyntaxSet(string Name, IReadOnlyList<string> ParameterNames);

/// <summary>A parameter's description and its metadata blocks (more than one when sets differ, e.g. Required).</summary>
public sealed record ParameterHelp(string Name, IReadOnlyList<string> Description, IReadOnlyList<ParameterMetadata> Metadata)
{
    /// <summary>The metadata that applies in a parameter set: the block naming it, else the one for all sets.</summary>
    public ParameterMetadata? For(string setName) =>
        Metadata.FirstOrDefault(m => m.ParameterSets.Contains(setName, StringComparer.OrdinalIgnoreCase))
        ?? Metadata.FirstOrDefault(m => m.AppliesToAllSets);
}

/// <summary>One ```yaml block under a parameter.</summary>
public sealed record ParameterMetadata(
    string Type,
    IReadOnlyList<string> ParameterSets,
    IReadOnlyList<string> Aliases,
    IReadOnlyList<string> AcceptedValues,
    bool Required,
    string Position,
    string DefaultValue,
    string PipelineInput,
    bool Globbing,
    int ParameterSetsLine = 0)
{
    public const string AllSets = "(All)";

    public bool AppliesToAllSets => ParameterSets.Contains(AllSets, StringComparer.OrdinalIgnoreCase);

    public bool IsSwitch => Type is "SwitchParameter" or "System.Management.Automation.SwitchParameter";

    public bool IsArray => Type.EndsWith("[]", StringComparison.Ordinal);
}

/// <summary>An INPUTS or OUTPUTS entry.</summary>
public sealed record TypeHelp(string TypeName, IReadOnlyList<string> Description);

public sealed record ExampleHelp(string Title, string Code, IReadOnlyList<string> Remarks);

public sealed record RelatedLink(string Text, string Uri);
