using System.Diagnostics;
using DiskTools.Engine.Output;
using DiskTools.Engine.Remoting;
using DiskTools.TestFixtures;
using Xunit;

namespace DiskTools.Engine.Tests.Remoting;

/// <summary>The executor contract, checked against this machine and against a real sshd on localhost.</summary>
public sealed class ExecutorTests
{
    public static TheoryData<string> Kinds => new() { ExecutorFactory.Local, ExecutorFactory.Ssh };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task RunReturnsExitCodeAndBothStreams(string kind)
    {
        await using ICommandExecutor executor = await ExecutorFactory.CreateAsync(kind);
        CommandResult result = await executor.RunAsync(
            CommandLine.ShellScript("printf 'out\\n'; printf 'err\\n' >&2; exit 3"), TimeSpan.FromSeconds(60), CancellationToken.None);
        Assert.Equal(3, result.ExitCode);
        Assert.Equal("out\n", result.StandardOutput);
        Assert.Equal("err\n", result.StandardError);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task HostileArgumentsArriveIntactAndNeverRunAsCode(string kind)
    {
        string canary = Path.Combine(Path.GetTempPath(), "disktools-pwned-" + Guid.NewGuid().ToString("N"));
        string[] hostile =
        [
            "a b", "it's", "\"q\"", $"x; touch {canary}", $"$(touch {canary})", $"`touch {canary}`",
            $"line\ntouch {canary}", "${HOME}", "*", "\\", "-n", "", "ünï ✓",
        ];
        await using ICommandExecutor executor = await ExecutorFactory.CreateAsync(kind);
        CommandResult result = await executor.RunAsync(new CommandLine("printf", ["%s\\0", .. hostile]), TimeSpan.FromSeconds(60), CancellationToken.None);
        Assert.True(result.Succeeded, result.StandardError);
        Assert.Equal(hostile, result.StandardOutput.Split('\0')[..^1]);
        Assert.False(File.Exists(canary), "an argument was executed by a shell");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task MissingProgramExitsWith127(string kind)
    {
        await using ICommandExecutor executor = await ExecutorFactory.CreateAsync(kind);
        CommandResult result = await executor.RunAsync(CommandLine.Create("disktools-no-such-program"), TimeSpan.FromSeconds(60), CancellationToken.None);
        Assert.Equal(CommandResult.CommandNotFound, result.ExitCode);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task StreamsLinesAsTheyComeAndReportsExit(string kind)
    {
        await using ICommandExecutor executor = await ExecutorFactory.CreateAsync(kind);
        await using IRunningCommand running = await executor.StartAsync(
            CommandLine.ShellScript("echo one; echo warn >&2; echo two; exit 5"), CancellationToken.None);
        var lines = new List<OutputLine>();
        await foreach (OutputLine line in running.ReadLinesAsync(CancellationToken.None))
        {
            lines.Add(line);
        }

        Assert.Equal(5, await running.WaitForExitAsync(CancellationToken.None));
        Assert.Equal(["one", "two"], lines.Where(l => l.Stream == OutputStream.StandardOutput).Select(l => l.Text));
        Assert.Equal(["warn"], lines.Where(l => l.Stream == OutputStream.StandardError).Select(l => l.Text));
        Assert.True(running.ProcessGroupId > 1);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task TerminateKillsTheWholeProcessTree(string kind)
    {
        // A unique argument lets pgrep find exactly this test's sleepers, on whichever side they run.
        string marker = (1000 + Random.Shared.Next(1, 99_000)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using ICommandExecutor executor = await ExecutorFactory.CreateAsync(kind);
        await using IRunningCommand running = await executor.StartAsync(
            CommandLine.ShellScript("sleep \"$1\" & sleep \"$1\" & echo started; wait", marker), CancellationToken.None);
        await using var lines = running.ReadLinesAsync(CancellationToken.None).GetAsyncEnumerator();
        Assert.True(await lines.MoveNextAsync());
        Assert.Equal("started", lines.Current.Text);
        Assert.Equal(2, CountSleepers(marker));

        await running.TerminateAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        int exit = await running.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, exit);
        Assert.Equal(0, CountSleepers(marker));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task TimeoutKillsTheCommandAndSaysSo(string kind)
    {
        string marker = (100_000 + Random.Shared.Next(1, 99_000)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using ICommandExecutor executor = await ExecutorFactory.CreateAsync(kind);
        var e = await Assert.ThrowsAsync<DiskToolsException>(() =>
            executor.RunAsync(CommandLine.ShellScript("sleep \"$1\" & wait", marker), TimeSpan.FromSeconds(1), CancellationToken.None));
        Assert.Equal(ErrorIds.CommandTimedOut, e.ErrorId);
        Assert.Equal(0, CountSleepers(marker));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task HostNameIsTheRealOne(string kind)
    {
        await using ICommandExecutor executor = await ExecutorFactory.CreateAsync(kind);
        string expected = (await File.ReadAllTextAsync("/proc/sys/kernel/hostname")).Trim();
        Assert.Equal(expected, await executor.GetHostNameAsync(CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task SendsAndFetchesFiles(string kind)
    {
        string dir = Directory.CreateTempSubdirectory("disktools-xfer").FullName;
        try
        {
            byte[] content = [.. Enumerable.Range(0, 200_000).Select(i => (byte)(i * 7))];
            string local = Path.Combine(dir, "local.bin");
            await File.WriteAllBytesAsync(local, content);
            await using ICommandExecutor executor = await ExecutorFactory.CreateAsync(kind);
            await executor.SendFileAsync(local, Path.Combine(dir, "on host with space.bin"), CancellationToken.None);
            await executor.FetchFileAsync(Path.Combine(dir, "on host with space.bin"), Path.Combine(dir, "back.bin"), CancellationToken.None);
            Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(dir, "back.bin")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task UrgentCommandsGetTheirArgumentsIntactAndReturnTheExitStatus(string kind)
    {
        string dir = Directory.CreateTempSubdirectory("disktools-urgent").FullName;
        try
        {
            string[] hostile = ["a b", "it's", "\"q\"", "line\nbreak", "$(false)", "\\0101", "ünï ✓", ""];
            string written = Path.Combine(dir, "args");
            await using ICommandExecutor executor = await ExecutorFactory.CreateAsync(kind);
            int status = await executor.RunUrgentAsync(
                CommandLine.ShellScript("f=$1; shift; printf '%s\\0' \"$@\" > \"$f\"; exit 3", [written, .. hostile]), CancellationToken.None);
            Assert.Equal(3, status);
            Assert.Equal(hostile, (await File.ReadAllTextAsync(written)).Split('\0')[..^1]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task UrgentCommandsOverSshRunInTheControlShellAndStillRunWithoutIt()
    {
        string dir = Directory.CreateTempSubdirectory("disktools-urgent").FullName;
        try
        {
            await using ICommandExecutor executor = await ExecutorFactory.CreateAsync(ExecutorFactory.Ssh);
            string parent = Path.Combine(dir, "parent");
            // The command's parent is the request's own session leader; its parent, a subshell of the control
            // shell, carries the control shell's command line, and that subshell's parent reads the requests.
            Assert.Equal(0, await executor.RunUrgentAsync(
                CommandLine.ShellScript("g=$(ps -o ppid= -p $PPID | tr -d ' '); tr '\\0' ' ' < /proc/$g/cmdline > \"$1\"; ps -o ppid= -p $g > \"$1.pid\"", parent), CancellationToken.None));
            Assert.Contains("while read -r verb id arg", await File.ReadAllTextAsync(parent), StringComparison.Ordinal);

            // Without it (the shell's reader was killed on the host) the command takes a channel of its own. The
            // pause lets the channel's end reach the client, as it has long before anyone sends the next request.
            ProcessRunner.Run("kill", ["-KILL", (await File.ReadAllTextAsync(parent + ".pid")).Trim()]);
            await Task.Delay(1000);
            string again = Path.Combine(dir, "again");
            Assert.Equal(5, await executor.RunUrgentAsync(CommandLine.ShellScript("echo ran > \"$1\"; exit 5", again), CancellationToken.None));
            Assert.Equal("ran\n", await File.ReadAllTextAsync(again));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task LocalEnvironmentDecidesWhichProgramsExist()
    {
        await using var executor = new LocalExecutor(new Dictionary<string, string?> { ["PATH"] = "/nonexistent" });
        CommandResult result = await executor.RunAsync(CommandLine.Create("btrfs", "--version"), TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.Equal(CommandResult.CommandNotFound, result.ExitCode);
    }

    private static int CountSleepers(string marker)
    {
        // Processes die asynchronously after SIGKILL; give the kernel a moment before counting survivors.
        var watch = Stopwatch.StartNew();
        while (true)
        {
            ProcessResult found = ProcessRunner.TryRun("pgrep", ["-f", "-x", $"sleep {marker}"]);
            int count = found.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
            if (count == 0 || count == 2 || watch.Elapsed > TimeSpan.FromSeconds(10))
            {
                return count;
            }

            Thread.Sleep(100);
        }
    }
}
