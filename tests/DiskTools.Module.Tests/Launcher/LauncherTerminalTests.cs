using DiskTools.Module.Tests.Infrastructure;
using DiskTools.TestFixtures;
using Xunit;

namespace DiskTools.Module.Tests.Launcher;

/// <summary>The launcher on a real pseudo-terminal (util-linux script): the progress bar is drawn and erased.</summary>
public sealed class LauncherTerminalTests
{
    [SkippableFact]
    public void Progress_is_drawn_in_place_on_a_terminal_and_erased_when_completed()
    {
        string? script = Prerequisite.FindExecutable("script");
        Prerequisite.Require(script is not null, "util-linux 'script' is needed to give the launcher a terminal");
        string typescript = Path.GetTempFileName();
        try
        {
            string command = Quote(ModuleSession.LauncherPath) + " -Command "
                + Quote(LauncherTests.ProgressScript(steps: 6, sleepMs: 150) + "; 'all done'");
            using System.Diagnostics.Process process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(script!)
            {
                ArgumentList = { "-q", "-e", "-c", command, typescript },
                RedirectStandardOutput = true,
                RedirectStandardInput = true,
                Environment = { ["TERM"] = "xterm", ["COLUMNS"] = "100", ["LINES"] = "30" },
            })!;
            process.StandardInput.Close();
            process.StandardOutput.ReadToEnd();
            Assert.True(process.WaitForExit(60_000), "launcher under script did not finish");
            string screen = File.ReadAllText(typescript);

            Assert.Equal(0, process.ExitCode);
            // Parent line with a bar, the nested child indented under it.
            Assert.Matches(@"\[#+ *\] +\d+% Scanning: step \d", screen);
            Assert.Matches(@"\n  Hashing: chunk \d", screen);
            // Redrawn in place: cursor up over the block, clear to the end of the screen.
            Assert.Matches(@"\u001b\[2A\u001b\[J", screen);
            // Completed: the block was erased and the output that followed is on a clean line.
            Assert.Matches(@"\u001b\[\dA\u001b\[Jall done", screen);
        }
        finally
        {
            File.Delete(typescript);
        }
    }

    private static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
