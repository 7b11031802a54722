using System.Text.RegularExpressions;

namespace DiskTools.Module.Tests.Infrastructure;

/// <summary>Reads lists out of the module manifest (the hosted engine has no Import-PowerShellDataFile).</summary>
public static partial class ManifestText
{
    public static IReadOnlyList<string> CmdletsToExport(string manifestPath)
    {
        Match block = CmdletBlock().Match(File.ReadAllText(manifestPath));
        return block.Success
            ? QuotedName().Matches(block.Groups[1].Value).Select(m => m.Groups[1].Value).ToArray()
            : [];
    }

    [GeneratedRegex(@"CmdletsToExport\s*=\s*@\(([^)]*)\)", RegexOptions.Singleline)]
    private static partial Regex CmdletBlock();

    [GeneratedRegex(@"'([^']+)'")]
    private static partial Regex QuotedName();
}
