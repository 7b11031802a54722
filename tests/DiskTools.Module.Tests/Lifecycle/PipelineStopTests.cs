using Xunit;
using Xunit.Abstractions;

namespace DiskTools.Module.Tests.Lifecycle;

/// <summary>
/// A cmdlet never returns while its work runs: a downstream Select-Object -First, or an error turned
/// terminating by -ErrorAction Stop, ends the work (here: every scan's walker threads) before control comes
/// back to the script. Run in real pwsh and in the launcher, as users run them.
/// </summary>
public sealed class PipelineStopTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    // Counts the scan's walker threads in this very process the moment the pipeline has returned, then
    // the CPU the process burns over the next half second (reported for the record).
    private const string Probe = """
        function Write-Probe([string] $label) {
            $walkers = @([System.IO.Directory]::GetDirectories('/proc/self/task') | Where-Object { [System.IO.File]::ReadAllText("$_/comm") -like 'disktools-walk*' }).Count
            $self = [System.Diagnostics.Process]::GetCurrentProcess()
            $before = $self.TotalProcessorTime
            $window = [System.Diagnostics.Stopwatch]::StartNew()
            while ($window.ElapsedMilliseconds -lt 500) { [System.Threading.Thread]::Sleep(50) }
            $self.Refresh()
            "$label walkers=$walkers cpu_ms=$([int]($self.TotalProcessorTime - $before).TotalMilliseconds)"
        }

        """;

    // In pwsh itself these are also covered by tests/Pester/Lifecycle.Tests.ps1; here a fresh process of each kind.
    [SkippableTheory]
    [InlineData(Shell.Pwsh)]
    [InlineData(Shell.Launcher)]
    public void Select_First_ends_every_outstanding_scan_before_the_pipeline_returns(Shell shell)
    {
        using ShellProcess run = ShellProcess.Start(shell, Probe + """
            if (-not (Get-Command Select-Object -ErrorAction Ignore)) { 'NO-SELECT-OBJECT'; exit 0 }
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $first = Get-DiskUsage /etc, /usr, /root, / | Select-Object -First 1
            "FIRST $($first.Path) after_ms=$($watch.ElapsedMilliseconds)"
            Write-Probe 'AFTER'
            $second = Get-DiskUsage /usr -Depth 3 -AsSession | Select-Object -First 1
            Write-Probe 'SESSION'
            """);
        int exitCode = run.WaitForExit(Patience);
        output.WriteLine(run.ToString());
        if (run.Stdout.Contains("NO-SELECT-OBJECT", StringComparison.Ordinal))
        {
            throw new SkipException("this launcher carries the core commands only: no Select-Object to stop the pipeline with");
        }

        Assert.Equal(0, exitCode);
        Assert.Contains("FIRST /etc ", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("AFTER walkers=0 ", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("SESSION walkers=0 ", run.Stdout, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData(Shell.Pwsh)]
    [InlineData(Shell.Launcher)]
    public void A_terminating_error_under_ErrorAction_Stop_ends_the_work_before_the_catch_runs(Shell shell)
    {
        using ShellProcess run = ShellProcess.Start(shell, Probe + """
            try {
                Get-DiskUsage /nonexistent-disktools-path, /usr, / -Depth 2 -ErrorAction Stop | Out-Null
                'NOT THROWN'
            }
            catch {
                "CAUGHT $($_.FullyQualifiedErrorId)"
                Write-Probe 'CATCH'
            }

            $ErrorActionPreference = 'Stop'
            try {
                Get-DiskUsage /nonexistent-disktools-path, /usr, / -Depth 2 | Out-Null
            }
            catch {
                Write-Probe 'PREFERENCE'
            }
            """);
        int exitCode = run.WaitForExit(Patience);
        output.WriteLine(run.ToString());
        Assert.Equal(0, exitCode);
        Assert.Contains("CAUGHT PathNotFound,DiskTools.Commands.DiskUsage.GetDiskUsageCommand", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("NOT THROWN", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("CATCH walkers=0 ", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("PREFERENCE walkers=0 ", run.Stdout, StringComparison.Ordinal);
    }
}
