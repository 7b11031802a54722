using Xunit;

namespace DiskTools.Module.Tests.Launcher;

/// <summary>
/// The published disktools launcher, run as a user runs it. Scripts write to the streams through an
/// advanced function's $PSCmdlet, which is what cmdlets do too.
/// </summary>
public sealed class LauncherTests : IDisposable
{
    private readonly string scratch = Directory.CreateTempSubdirectory("disktools-launcher-").FullName;

    private const string StreamsFunction = """
        function Write-Streams {
            [CmdletBinding()] param()
            $PSCmdlet.WriteWarning('careful now')
            $PSCmdlet.WriteVerbose('details here')
            $PSCmdlet.WriteDebug('debugging here')
            $PSCmdlet.WriteInformation('for your information', [string[]]@())
            'regular output'
        }
        """;

    [Fact]
    public void Shorthand_formats_output_through_the_modules_table_view()
    {
        LauncherResult result = LauncherProcess.Run("Get-DiskToolsDependency");

        Assert.True(result.ExitCode == 0, result.ToString());
        string header = result.Stdout.Split('\n').First(l => l.TrimStart().StartsWith("Name", StringComparison.Ordinal));
        Assert.Matches(@"^Name\s+Version\s+LoadContext\s+Location\s*$", header);
        Assert.Contains("YamlDotNet", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Stderr);
    }

    [Fact]
    public void Command_runs_script_text_with_the_module_imported_from_the_build_output()
    {
        LauncherResult result = LauncherProcess.Run("-Command", "(Get-Module DiskTools).ModuleBase; Get-DiskToolsDependency | Where-Object Name -eq Npgsql");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(Path.Combine("output", "DiskTools"), result.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^Name\s+Version\s+LoadContext", result.Stdout);
        Assert.Matches(@"(?m)^Npgsql\s+10\.", result.Stdout);
    }

    [Fact]
    public void File_binds_named_switch_and_positional_arguments_and_returns_the_exit_code()
    {
        string script = WriteScript("""
            param([string]$Name, [int]$Count = 1, [switch]$Loud, [Parameter(ValueFromRemainingArguments)]$Rest)
            "Name=$Name Count=$($Count + 1) Loud=$Loud Rest=$($Rest -join '|') Root=$PSScriptRoot"
            exit 3
            """);

        LauncherResult result = LauncherProcess.Run("-File", script, "-Name", "a b", "-Count", "41", "-Loud", "extra", "$(nothing)");

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains($"Name=a b Count=42 Loud=True Rest=extra|$(nothing) Root={Path.GetDirectoryName(script)}", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void File_accepts_switch_false_and_name_colon_value()
    {
        string script = WriteScript("""
            param([string]$Name, [switch]$Loud)
            "Name=$Name Loud=$Loud"
            """);

        LauncherResult result = LauncherProcess.Run("-File", script, "-Name:x", "-Loud:$false");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Name=x Loud=False", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_script_file_is_a_usage_error()
    {
        LauncherResult result = LauncherProcess.Run("-File", "/nonexistent/script.ps1");

        Assert.Equal(64, result.ExitCode);
        Assert.Contains("does not exist", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_terminating_error_goes_to_stderr_the_script_goes_on_and_the_exit_code_is_1()
    {
        LauncherResult result = LauncherProcess.Run("-Command", "Get-Command No-SuchCommandHere; 'after the error'");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("after the error", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("No-SuchCommandHere", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("No-SuchCommandHere", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Silenced_errors_do_not_fail_the_run()
    {
        LauncherResult result = LauncherProcess.Run("-Command", "Get-Command No-SuchCommandHere -ErrorAction SilentlyContinue; 'fine'");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(string.Empty, result.Stderr);
    }

    [Fact]
    public void Throw_is_a_terminating_error_with_exit_code_1()
    {
        LauncherResult result = LauncherProcess.Run("-Command", "'before'; throw 'it broke'; 'never'");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("before", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("never", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Exception: it broke", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Error_in_a_script_file_shows_where_it_happened()
    {
        string script = WriteScript("'line one'\nthrow 'second line failed'\n");

        LauncherResult result = LauncherProcess.Run("-File", script);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{script}:2", result.Stderr, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^\s+2 \|\s+throw 'second line failed'", result.Stderr);
        Assert.Contains("| second line failed", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Exit_in_a_command_sets_the_exit_code()
    {
        Assert.Equal(7, LauncherProcess.Run("-Command", "exit 7").ExitCode);
    }

    [Fact]
    public void Warnings_go_to_stderr_and_verbose_debug_information_only_when_asked()
    {
        LauncherResult quiet = LauncherProcess.Run("-Command", StreamsFunction + "\nWrite-Streams");

        Assert.True(quiet.ExitCode == 0, quiet.ToString());
        Assert.Equal("regular output\n", quiet.Stdout);
        Assert.Equal("WARNING: careful now\n", quiet.Stderr);

        LauncherResult loud = LauncherProcess.Run("-Command", StreamsFunction + "\n$DebugPreference = 'Continue'; Write-Streams -Verbose -InformationAction Continue");

        Assert.True(loud.ExitCode == 0, loud.ToString());
        Assert.Contains("VERBOSE: details here", loud.Stderr, StringComparison.Ordinal);
        Assert.Contains("DEBUG: debugging here", loud.Stderr, StringComparison.Ordinal);
        Assert.Contains("for your information", loud.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("VERBOSE", loud.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("careful now", loud.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Preference_variables_turn_on_verbose_output()
    {
        LauncherResult result = LauncherProcess.Run("-Command", StreamsFunction + "\n$VerbosePreference = 'Continue'; Write-Streams");

        Assert.Contains("VERBOSE: details here", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("DEBUG", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_but_plain_text_when_stdout_is_not_a_terminal()
    {
        LauncherResult result = LauncherProcess.Run("-Command", ProgressScript(steps: 5) + "; Get-DiskToolsDependency; Get-Command Nope-Nothing");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("LoadContext", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', result.Stdout);
        Assert.DoesNotContain('\u001b', result.Stderr);
        Assert.DoesNotContain("Scanning", result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_and_version()
    {
        LauncherResult help = LauncherProcess.Run("-?");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("disktools -File <script.ps1>", help.Stdout, StringComparison.Ordinal);

        LauncherResult version = LauncherProcess.Run("-Version");
        Assert.Equal(0, version.ExitCode);
        Assert.Matches(@"(?m)^PowerShell engine 7\.6\.", version.Stdout);

        Assert.Equal(64, LauncherProcess.Run("-Bogus").ExitCode);
    }

    [Theory]
    [InlineData(2, 130)] // SIGINT, as Ctrl+C sends it
    [InlineData(15, 143)] // SIGTERM
    public void Signal_stops_the_running_pipeline_and_exits_128_plus_signal(int signal, int expectedExit)
    {
        using LauncherProcess launcher = LauncherProcess.Start("-Command", "'started'; while ($true) { }");
        launcher.WaitForOutput("started", TimeSpan.FromSeconds(60));

        launcher.Signal(signal);

        // Generous bound for a shared machine; the stop itself takes a fraction of a second.
        LauncherResult result = launcher.WaitForExit(TimeSpan.FromSeconds(15));
        Assert.True(result.ExitCode == expectedExit, result.ToString());
    }

    [Fact]
    public void Signal_reaches_a_cmdlets_stop_handling()
    {
        // A finally block runs only when the engine unwinds the pipeline as a stop (not when the process dies).
        using LauncherProcess launcher = LauncherProcess.Start("-Command",
            "try { 'started'; while ($true) { } } finally { [Console]::Out.WriteLine('stopped cleanly'); [Console]::Out.Flush() }");
        launcher.WaitForOutput("started", TimeSpan.FromSeconds(60));

        launcher.Signal(2);

        LauncherResult result = launcher.WaitForExit(TimeSpan.FromSeconds(15));
        Assert.Equal(130, result.ExitCode);
        Assert.Contains("stopped cleanly", result.Stdout, StringComparison.Ordinal);
    }

    /// <summary>An advanced function writing a parent and a nested child activity, then completing both.</summary>
    internal static string ProgressScript(int steps, int sleepMs = 0) => $$"""
        function Show-Work {
            [CmdletBinding()] param()
            for ($i = 1; $i -le {{steps}}; $i++) {
                $parent = [System.Management.Automation.ProgressRecord]::new(1, 'Scanning', "step $i")
                $parent.PercentComplete = $i * 100 / {{steps}}
                $PSCmdlet.WriteProgress($parent)
                $child = [System.Management.Automation.ProgressRecord]::new(2, 'Hashing', "chunk $i")
                $child.ParentActivityId = 1
                $PSCmdlet.WriteProgress($child)
                [System.Threading.Thread]::Sleep({{sleepMs}})
            }
            $child.RecordType = 'Completed'; $PSCmdlet.WriteProgress($child)
            $parent.RecordType = 'Completed'; $PSCmdlet.WriteProgress($parent)
        }
        Show-Work
        """;

    public void Dispose() => Directory.Delete(scratch, recursive: true);

    private string WriteScript(string text)
    {
        string path = Path.Combine(scratch, "script.ps1");
        File.WriteAllText(path, text);
        return path;
    }
}
