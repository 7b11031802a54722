using System.Management.Automation;
using DiskTools.Module.Tests.Infrastructure;
using Xunit;

namespace DiskTools.Module.Tests.Help;

/// <summary>
/// Every exported cmdlet must have real help: Get-Help reads the MAML the build produced from
/// docs/en-US, and no parameter is left undocumented. Each test covers all cmdlets and names every gap.
/// </summary>
public sealed class CmdletHelpTests : IClassFixture<ModuleSessionFixture>
{
    // Collects what Get-Command and Get-Help -Full say about one cmdlet, with core cmdlets only (the
    // hosted engine has no Select-Object). Common parameters are excluded: the pages cover them with
    // '### CommonParameters' and Get-Help adds them itself. -WhatIf and -Confirm are not excluded: as
    // platyPS does, a page documents them, so Get-Help shows them in the cmdlet's syntax.
    private const string DescribeScript = """
        param($name)
        $command = Get-Command -Name $name -CommandType Cmdlet
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters
        $help = Get-Help -Name $name -Full
        [pscustomobject]@{
            Parameters     = [string[]]@($command.Parameters.Keys | Where-Object { $common -notcontains $_ })
            ParameterSets  = @($command.ParameterSets).Count
            Synopsis       = [string]$help.Synopsis
            Description    = [string[]]@($help.description | ForEach-Object { $_.Text })
            Examples       = @($help.examples.example).Count
            ExampleCode    = [string[]]@($help.examples.example | ForEach-Object { $_.code })
            HelpParameters = [string[]]@($help.parameters.parameter | ForEach-Object { $_.name })
            SyntaxItems    = @($help.syntax.syntaxItem).Count
            Outputs        = [string[]]@($help.returnValues.returnValue | ForEach-Object { $_.type.name })
            OutputTypes    = [string[]]@($command.OutputType | ForEach-Object { $_.Name })
        }
        """;

    private readonly ModuleSession session;

    public CmdletHelpTests(ModuleSessionFixture fixture) => session = fixture.Session;

    private IReadOnlyList<string> ExportedCmdlets
    {
        get
        {
            InvocationResult result = session.Invoke("(Get-Module DiskTools).ExportedCmdlets.Keys");
            Assert.Empty(result.Errors);
            return [.. result.Output.Select(o => o.ToString()).Order(StringComparer.Ordinal)];
        }
    }

    [Fact]
    public void Every_exported_cmdlet_has_a_docs_page_and_every_page_a_cmdlet()
    {
        IReadOnlyList<string> pages = [.. HelpPage.LoadAll(RepositoryPaths.HelpPages).Select(p => p.CmdletName)];
        IReadOnlyList<string> exported = ExportedCmdlets;

        Assert.NotEmpty(exported);
        string[] withoutPage = [.. exported.Except(pages, StringComparer.Ordinal)];
        string[] withoutCmdlet = [.. pages.Except(exported, StringComparer.Ordinal)];
        Assert.True(withoutPage.Length == 0, $"cmdlets without a docs/en-US/<Cmdlet>.md page: {string.Join(", ", withoutPage)}");
        Assert.True(withoutCmdlet.Length == 0, $"docs pages for cmdlets the module does not export: {string.Join(", ", withoutCmdlet)}");
    }

    [Fact]
    public void Get_Help_Full_shows_the_written_help_of_every_cmdlet()
    {
        var problems = new List<string>();
        foreach (string cmdlet in ExportedCmdlets)
        {
            string page = Path.Combine(RepositoryPaths.HelpPages, cmdlet + ".md");
            if (!File.Exists(page))
            {
                continue; // reported by Every_exported_cmdlet_has_a_docs_page_and_every_page_a_cmdlet
            }

            PSObject help = Describe(cmdlet);

            // Without MAML, Get-Help makes up a synopsis from the syntax; the page's own words prove the file was found.
            string expected = HelpPage.Load(page).Synopsis;
            string actual = (string)help.Properties["Synopsis"].Value;
            if (!string.Equals(Normalize(actual), Normalize(expected), StringComparison.Ordinal))
            {
                problems.Add($"{cmdlet}: Get-Help synopsis is '{actual.Trim()}', the page says '{expected}' (help file not found or stale?)");
            }

            if (Strings(help, "Description").All(string.IsNullOrWhiteSpace))
            {
                problems.Add($"{cmdlet}: Get-Help shows no description");
            }

            if ((int)help.Properties["Examples"].Value == 0 || Strings(help, "ExampleCode").Any(string.IsNullOrWhiteSpace))
            {
                problems.Add($"{cmdlet}: Get-Help shows no examples, or an example without code");
            }

            int sets = (int)help.Properties["ParameterSets"].Value;
            int syntaxItems = (int)help.Properties["SyntaxItems"].Value;
            if (sets != syntaxItems)
            {
                problems.Add($"{cmdlet}: {sets} parameter set(s) but {syntaxItems} syntax block(s) in help");
            }

            string[] undocumentedOutputs = [.. Strings(help, "OutputTypes").Except(Strings(help, "Outputs"), StringComparer.OrdinalIgnoreCase)];
            if (undocumentedOutputs.Length > 0)
            {
                problems.Add($"{cmdlet}: [OutputType] {string.Join(", ", undocumentedOutputs)} missing under OUTPUTS");
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void Every_parameter_of_every_cmdlet_is_documented()
    {
        var problems = new List<string>();
        foreach (string cmdlet in ExportedCmdlets)
        {
            string page = Path.Combine(RepositoryPaths.HelpPages, cmdlet + ".md");
            if (!File.Exists(page))
            {
                continue; // reported by Every_exported_cmdlet_has_a_docs_page_and_every_page_a_cmdlet
            }

            PSObject help = Describe(cmdlet);
            string[] parameters = Strings(help, "Parameters");
            IReadOnlyList<string> onPage = HelpPage.Load(page).ParameterNames;
            string[] inHelp = Strings(help, "HelpParameters");

            problems.AddRange(parameters.Except(onPage, StringComparer.OrdinalIgnoreCase)
                .Select(p => $"{cmdlet}: parameter -{p} has no '### -{p}' entry in docs/en-US/{cmdlet}.md"));
            problems.AddRange(parameters.Except(inHelp, StringComparer.OrdinalIgnoreCase)
                .Select(p => $"{cmdlet}: parameter -{p} is missing from Get-Help {cmdlet} -Full"));
            problems.AddRange(onPage.Except(parameters, StringComparer.OrdinalIgnoreCase)
                .Select(p => $"{cmdlet}: docs/en-US/{cmdlet}.md documents -{p}, which the cmdlet does not have"));
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    private PSObject Describe(string cmdlet)
    {
        InvocationResult result = session.Invoke(DescribeScript, cmdlet);
        Assert.True(result.Errors.Count == 0 && result.Terminating is null,
            $"describing {cmdlet} failed: {result.Terminating?.Message} {string.Join("; ", result.Errors)}");
        return Assert.Single(result.Output);
    }

    private static string[] Strings(PSObject help, string property) =>
        help.Properties[property].Value switch
        {
            string[] values => values,
            PSObject { BaseObject: string[] values } => values,
            null => [],
            object other => throw new InvalidOperationException($"{property} is a {other.GetType()}"),
        };

    private static string Normalize(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
