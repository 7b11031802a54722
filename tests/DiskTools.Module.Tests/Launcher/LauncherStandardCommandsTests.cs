using System.Text.RegularExpressions;
using DiskTools.Module.Tests.Infrastructure;
using Xunit;

namespace DiskTools.Module.Tests.Launcher;

/// <summary>
/// The launcher is a full PowerShell: the standard commands users pipe DiskTools output into work in it as
/// in pwsh, and its folder in the build output is not mistaken for a module.
/// </summary>
public sealed class LauncherStandardCommandsTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("disktools-std-").FullName;

    public LauncherStandardCommandsTests()
    {
        foreach ((string dir, int size) in new[] { ("big", 300_000), ("small", 5_000), ("mid", 70_000) })
        {
            Directory.CreateDirectory(Path.Combine(root, dir));
            File.WriteAllBytes(Path.Combine(root, dir, "data.bin"), new byte[size]);
        }
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    /// <summary>Each standard command on DiskTools output, with what it must print. $root is the scanned folder.</summary>
    public static TheoryData<string, string, string> StandardCommands => new()
    {
        { "Select-Object", "Get-DiskUsage $root | Select-Object -Skip 1 -First 1 -ExpandProperty Path", @"^\S*/big$" },
        { "Sort-Object", "(Get-DiskUsage $root | Select-Object -Skip 1 | Sort-Object Size | ForEach-Object { Split-Path -Leaf $_.Path }) -join ','", "^small,mid,big$" },
        { "Format-Table", "Get-DiskUsage $root -AsSession | Format-Table TargetPath, Status, TotalFiles", @"(?m)^TargetPath\s+Status\s+TotalFiles\s*$[\s\S]*Completed\s+3\s*$" },
        { "Format-List", "Get-DiskUsage $root -Depth 0 | Format-List Path, FileCount", @"(?m)^Path\s+: \S+$\s*^FileCount : 3\s*$" },
        { "ConvertTo-Json", "Get-DiskUsage $root -Depth 0 | Select-Object FileCount, DirectoryCount | ConvertTo-Json -Compress", @"^\{""FileCount"":3,""DirectoryCount"":3\}$" },
        { "Measure-Object", "(Get-DiskUsage $root | Select-Object -Skip 1 | Measure-Object -Property FileCount -Sum).Sum", "^3$" },
        { "Group-Object", "(Get-DiskUsage $root | Group-Object Depth | Sort-Object Name | ForEach-Object { '{0}:{1}' -f $_.Name, $_.Count }) -join ' '", "^0:1 1:3$" },
        { "Export-Csv", "$csv = Join-Path $root 'u.csv'; Get-DiskUsage $root | Export-Csv -LiteralPath $csv; (Import-Csv -LiteralPath $csv).Count", "^4$" },
        { "Out-String", "(Get-DiskUsage $root -Depth 0 | Out-String).Contains('Size')", "^True$" },
        { "Get-ChildItem", "(Get-ChildItem -LiteralPath $root -Directory | Get-DiskUsage -Depth 0 | Measure-Object).Count", "^3$" },
    };

    [Theory]
    [MemberData(nameof(StandardCommands))]
    public void Standard_command_works_on_DiskTools_output(string command, string script, string expected)
    {
        LauncherResult result = LauncherProcess.Run("-Command", $"$root = '{root}'\n{script}");

        Assert.True(result.ExitCode == 0, $"{command}: {result}");
        Assert.Equal(string.Empty, result.Stderr);
        Assert.Matches(new Regex(expected, RegexOptions.Multiline), result.Stdout.Trim());
    }

    [Fact]
    public void Every_standard_module_command_a_script_may_call_is_present()
    {
        // The commands of pwsh's standard modules on Linux, by the module pwsh lists them under.
        LauncherResult result = LauncherProcess.Run("-Command", """
            $missing = 'Write-Warning', 'Write-Error', 'Start-Sleep', 'Get-Date', 'Test-Path', 'Join-Path', 'Resolve-Path',
                'New-Item', 'Remove-Item', 'Copy-Item', 'Get-Content', 'Set-Content', 'Add-Content', 'Out-File', 'Tee-Object',
                'ConvertFrom-Json', 'Import-Csv', 'ConvertTo-Csv', 'Export-Clixml', 'Import-Clixml', 'Get-Member', 'Add-Member',
                'Compare-Object', 'Get-Unique', 'Select-String', 'Invoke-Expression', 'Get-FileHash', 'Get-Process', 'Start-Process',
                'Get-Location', 'Set-Location', 'Write-Host', 'Write-Output', 'Out-Null', 'Get-Random', 'New-TimeSpan',
                'Get-ExecutionPolicy', 'ConvertTo-SecureString', 'Get-Credential', 'Start-Transcript', 'Add-Type', 'Get-Host' |
                Where-Object { -not (Get-Command $_ -ErrorAction Ignore) }
            "missing: $($missing -join ',')"
            Add-Type -TypeDefinition 'public static class LauncherAddType { public static int Answer() { return 42; } }'
            "add-type: $([LauncherAddType]::Answer())"
            """);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("missing: \n", result.Stdout + "\n", StringComparison.Ordinal);
        Assert.Contains("add-type: 42", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Documented_session_table_example_runs()
    {
        // docs/en-US/Get-DiskUsage.md and the README pipe -AsSession into Format-Table.
        LauncherResult result = LauncherProcess.Run("-Command", $"Get-DiskUsage '{root}', '{root}/big' -AsSession | Format-Table TargetPath, Status, TotalBytes, TotalFiles, Duration");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"(?m)^TargetPath\s+Status\s+TotalBytes\s+TotalFiles\s+Duration\s*$", result.Stdout);
        Assert.Equal(2, Regex.Matches(result.Stdout, @"Completed").Count);
    }

    [Fact]
    public void Build_output_lists_exactly_one_module_DiskTools()
    {
        // Every module under output/ as pwsh sees it with output/ on PSModulePath: the launcher's folder
        // must not be taken for a module, nor hold module manifests of its own.
        string output = ModuleSession.OutputDirectory;
        LauncherResult result = LauncherProcess.Run("-Command", $"$env:PSModulePath = '{output}'\n" + """
            Get-Module -ListAvailable | ForEach-Object { '{0}|{1}|{2}' -f $_.Name, $_.Version, $_.Path }
            """);

        Assert.True(result.ExitCode == 0, result.ToString());
        string[] modules = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string module = Assert.Single(modules);
        string manifest = ModuleSession.LocateManifest();
        Assert.Equal($"DiskTools|{Path.GetFileName(Path.GetDirectoryName(manifest))}|{manifest}", module);
    }

    [Fact]
    public void No_folder_of_the_build_output_holds_an_assembly_named_after_it()
    {
        // What made PowerShell list the launcher's folder as a phantom module; on a case-insensitive file
        // system the launcher's folder also must not differ from the module's only by case.
        string output = ModuleSession.OutputDirectory;
        string[] clashes = [.. Directory.EnumerateDirectories(output, "*", SearchOption.AllDirectories)
            .Where(dir => File.Exists(Path.Combine(dir, Path.GetFileName(dir) + ".dll")))];
        Assert.Empty(clashes);
        Assert.True(File.Exists(ModuleSession.LauncherPath), ModuleSession.LauncherPath);
        string[] topLevel = [.. Directory.EnumerateDirectories(output).Select(Path.GetFileName).OfType<string>()];
        Assert.Equal(topLevel.Length, topLevel.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }
}
