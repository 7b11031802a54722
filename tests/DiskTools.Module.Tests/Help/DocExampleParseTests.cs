using System.Management.Automation.Language;
using System.Text.RegularExpressions;
using DiskTools.Module.Tests.Infrastructure;
using Xunit;

namespace DiskTools.Module.Tests.Help;

/// <summary>Every PowerShell example in the help pages and the README parses, and splats only what it defines.</summary>
public sealed partial class DocExampleParseTests
{
    public static TheoryData<string> Documents()
    {
        var data = new TheoryData<string>();
        foreach (string page in Directory.GetFiles(RepositoryPaths.HelpPages, "*.md").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(RepositoryPaths.Root, page));
        }

        data.Add("README.md");
        return data;
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void PowerShell_examples_parse_and_never_splat_an_undefined_variable(string document)
    {
        string text = File.ReadAllText(Path.Combine(RepositoryPaths.Root, document));
        foreach (Match block in PowerShellBlock().Matches(text))
        {
            string code = block.Groups["code"].Value;
            ScriptBlockAst ast = Parser.ParseInput(code, out _, out ParseError[] errors);
            Assert.True(errors.Length == 0, $"{document}: '{code.Trim()}' does not parse: {string.Join("; ", errors.Select(e => e.Message))}");

            // A bare @home is PowerShell splatting $home, not the subvolume '@home'.
            HashSet<string> assigned = [.. ast.FindAll(a => a is AssignmentStatementAst, true).Cast<AssignmentStatementAst>()
                .Select(a => a.Left).OfType<VariableExpressionAst>().Select(v => v.VariablePath.UserPath)];
            foreach (VariableExpressionAst splat in ast.FindAll(a => a is VariableExpressionAst { Splatted: true }, true).Cast<VariableExpressionAst>())
            {
                Assert.True(assigned.Contains(splat.VariablePath.UserPath, StringComparer.OrdinalIgnoreCase),
                    $"{document}: '{splat.Extent.Text}' in '{code.Trim()}' splats ${splat.VariablePath.UserPath}; quote a subvolume name ('{splat.Extent.Text}')");
            }
        }
    }

    [GeneratedRegex("```powershell\\r?\\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex PowerShellBlock();
}
