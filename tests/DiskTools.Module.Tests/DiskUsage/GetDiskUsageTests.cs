using System.Diagnostics;
using System.Management.Automation;
using DiskTools.Module.Tests.Infrastructure;
using DiskTools.TestFixtures;
using Xunit;

namespace DiskTools.Module.Tests.DiskUsage;

public sealed class GetDiskUsageTests : IDisposable
{
    private const string EntryType = "DiskTools.Engine.DiskUsage.DiskUsageEntry";
    private const string SessionType = "DiskTools.Engine.DiskUsage.ScanSession";
    private readonly ModuleSession session = new();
    private readonly string root;

    public GetDiskUsageTests()
    {
        root = Path.Combine(Path.GetTempPath(), "dt-gdu-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (string dir in new[] { "alpha/one", "alpha/two", "beta", "gam[ma]" })
        {
            Directory.CreateDirectory(Path.Combine(root, dir));
        }

        File.WriteAllBytes(Path.Combine(root, "alpha/one/big.bin"), new byte[300_000]);
        File.WriteAllBytes(Path.Combine(root, "alpha/two/small.bin"), new byte[5_000]);
        File.WriteAllBytes(Path.Combine(root, "beta/mid.bin"), new byte[70_000]);
        File.WriteAllBytes(Path.Combine(root, "gam[ma]/x.bin"), new byte[1_000]);
    }

    public void Dispose()
    {
        session.Dispose();
        Run("/bin/chmod", "-R", "u+rwx", root);
        Directory.Delete(root, recursive: true);
    }

    private static string Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["HOME"] = "/tmp";
        start.Environment["DOTNET_CLI_HOME"] = "/tmp";
        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return output;
    }

    private static Dictionary<string, long> Du(params string[] args)
        => Run("/usr/bin/du", args).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('\t', 2)).ToDictionary(p => p[1], p => long.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void WritesTypedEntriesThatEqualDuAtDepthOne()
    {
        InvocationResult result = session.Invoke("Get-DiskUsage -Path $args[0]", root);

        Assert.Empty(result.Errors);
        Assert.All(result.Output, o => Assert.Equal(EntryType, o.BaseObject.GetType().FullName));
        Dictionary<string, long> du = Du("-B1", "-d", "1", root);
        Dictionary<string, long> bytes = Du("-b", "-d", "1", root);
        Assert.Equal(du.Count, result.Output.Count);
        Assert.Equal(root, result.Output[0].Properties["Path"].Value);
        foreach (PSObject entry in result.Output)
        {
            string path = (string)entry.Properties["Path"].Value;
            Assert.Equal(du[path], (long)entry.Properties["Size"].Value);
            Assert.Equal(bytes[path], (long)entry.Properties["ApparentSize"].Value);
        }

        PSObject alpha = result.Output.Single(o => (string)o.Properties["Name"].Value == "alpha");
        Assert.Equal(2L, alpha.Properties["FileCount"].Value);
        Assert.Equal(2L, alpha.Properties["DirectoryCount"].Value);
        Assert.Equal(1, alpha.Properties["Depth"].Value);
        Assert.False((bool)alpha.Properties["Incomplete"].Value);
        Assert.InRange((double)alpha.Properties["Share"].Value, 0.5, 1.0);

        // Siblings come largest first.
        long[] sizes = result.Output.Skip(1).Select(o => (long)o.Properties["Size"].Value).ToArray();
        Assert.Equal(sizes.OrderDescending(), sizes);
    }

    [Fact]
    public void TakesWildcardsPipedStringsAndPipedItems()
    {
        InvocationResult wildcard = session.Invoke("Get-DiskUsage -Path ($args[0] + '/al*') -Depth 0", root);
        Assert.True(wildcard.Errors.Count == 0, string.Join("; ", wildcard.Errors));
        Assert.Equal(Path.Combine(root, "alpha"), Assert.Single(wildcard.Output).Properties["Path"].Value);

        InvocationResult piped = session.Invoke("($args[0] + '/alpha'), ($args[0] + '/beta') | Get-DiskUsage -Depth 0", root);
        Assert.Equal(2, piped.Output.Count);

        // Items as the FileSystem provider emits them (with PSPath) bind to -LiteralPath: brackets stay literal.
        InvocationResult items = session.Invoke(
            "[IO.Directory]::GetDirectories($args[0]) | ForEach-Object { [pscustomobject]@{ PSPath = 'Microsoft.PowerShell.Core\\FileSystem::' + $_ } } | Get-DiskUsage -Depth 0", root);
        Assert.True(items.Errors.Count == 0, string.Join("; ", items.Errors));
        Assert.Equal(3, items.Output.Count);
        Assert.Contains(items.Output, o => (string)o.Properties["Name"].Value == "gam[ma]");

        // Bare FileSystemInfo objects bind through their full path.
        InvocationResult infos = session.Invoke("[IO.DirectoryInfo]::new($args[0] + '/beta') | Get-DiskUsage -Depth 0", root);
        Assert.Equal(Path.Combine(root, "beta"), Assert.Single(infos.Output).Properties["Path"].Value);
    }

    [Fact]
    public void LiteralPathTakesBracketsAsTheyAre()
    {
        InvocationResult result = session.Invoke("Get-DiskUsage -LiteralPath ($args[0] + '/gam[ma]') -Depth 0", root);
        Assert.True(result.Errors.Count == 0, string.Join("; ", result.Errors));
        Assert.Equal(Du("-B1", "-s", Path.Combine(root, "gam[ma]")).Values.Single(), (long)Assert.Single(result.Output).Properties["Size"].Value);
    }

    [Fact]
    public void AMissingRootIsObjectNotFoundAndTheOtherRootsStillRun()
    {
        string missing = Path.Combine(root, "missing");
        InvocationResult result = session.Invoke("Get-DiskUsage -LiteralPath $args[0], $args[1] -Depth 0", missing, Path.Combine(root, "beta"));

        ErrorRecord error = Assert.Single(result.Errors);
        Assert.Equal("PathNotFound,DiskTools.Commands.DiskUsage.GetDiskUsageCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal(missing, error.TargetObject);
        Assert.Single(result.Output);
    }

    [Fact]
    public void RejectsPathsOfOtherProviders()
    {
        InvocationResult result = session.Invoke("Get-DiskUsage -Path Env:\\PATH");
        ErrorRecord error = Assert.Single(result.Errors);
        Assert.StartsWith("NotFileSystemPath,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Empty(result.Output);
    }

    [SkippableFact]
    public void AnUnreadableDirectoryIsANonTerminatingPermissionErrorAndMarksAncestorsIncomplete()
    {
        // Root reads everything: the scan runs as 'nobody' through the launcher to meet a real EACCES.
        Prerequisite.Require(Prerequisite.IsRoot && File.Exists("/usr/bin/setpriv"), "needs root and setpriv to run the scan as an unprivileged user");
        Run("/bin/chmod", "-R", "a+rX", root);
        Run("/bin/chmod", "700", Path.Combine(root, "alpha/one"));
        string script = "Get-DiskUsage -LiteralPath $env:DT_ROOT -Depth 2 -ErrorVariable e -ErrorAction SilentlyContinue | ForEach-Object { 'E|{0}|{1}' -f $_.Path, $_.Incomplete }; "
            + "$e | ForEach-Object { 'R|{0}|{1}|{2}' -f $_.FullyQualifiedErrorId, $_.CategoryInfo.Category, $_.TargetObject }";
        var start = new ProcessStartInfo("/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", ModuleSession.LauncherPath, "-Command", script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DT_ROOT"] = root;
        start.Environment["HOME"] = "/tmp";
        start.Environment["DOTNET_CLI_HOME"] = "/tmp";
        using Process process = Process.Start(start)!;
        string[] lines = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();

        Assert.Contains($"R|DiskUsagePermissionDenied,DiskTools.Commands.DiskUsage.GetDiskUsageCommand|PermissionDenied|{Path.Combine(root, "alpha/one")}", lines);
        Assert.Contains($"E|{root}|True", lines);
        Assert.Contains($"E|{Path.Combine(root, "alpha")}|True", lines);
        Assert.Contains($"E|{Path.Combine(root, "alpha/one")}|True", lines);
        Assert.Contains($"E|{Path.Combine(root, "beta")}|False", lines);
        Assert.True(lines.Length >= 6, stderr);
    }

    [Fact]
    public void TopAsSessionAndSessionVariable()
    {
        InvocationResult top = session.Invoke("Get-DiskUsage $args[0] -Top 2 -File", root);
        Assert.Equal(2, top.Output.Count);
        Assert.Equal(root, top.Output[0].Properties["Path"].Value);
        Assert.Equal(Path.Combine(root, "alpha"), top.Output[1].Properties["Path"].Value);

        InvocationResult sessions = session.Invoke("Get-DiskUsage $args[0], $args[1] -AsSession -SessionVariable s; $s.Count", Path.Combine(root, "alpha"), Path.Combine(root, "beta"));
        Assert.Equal(3, sessions.Output.Count);
        Assert.All(sessions.Output.Take(2), o => Assert.Equal(SessionType, o.BaseObject.GetType().FullName));
        Assert.Equal(2, sessions.Output[2].BaseObject);
        PSObject first = sessions.Output[0];
        Assert.Equal("Completed", first.Properties["Status"].Value.ToString());
        Assert.Equal(Du("-B1", "-s", Path.Combine(root, "alpha")).Values.Single(), (long)first.Properties["TotalBytes"].Value);
        Assert.Equal(2L, first.Properties["TotalFiles"].Value);
        Assert.Equal(3L, first.Properties["TotalDirectories"].Value);
        Assert.Equal("Optimized", first.Properties["Strategy"].Value.ToString());
    }

    [Fact]
    public void ProgressIsThrottledAndClosedWithACompletedRecord()
    {
        InvocationResult result = session.Invoke("$ProgressPreference = 'Continue'; Get-DiskUsage /usr -Depth 0 -ThrottleLimit 1 -Strategy Legacy -AsSession");
        Assert.Empty(result.Errors);
        PSObject scan = Assert.Single(result.Output);
        double seconds = ((TimeSpan)scan.Properties["Duration"].Value).TotalSeconds;
        Prerequisite.Require(seconds > 1.0, "the /usr scan was too quick to show progress");
        Assert.NotEmpty(result.Progress);
        Assert.Equal(ProgressRecordType.Completed, result.Progress[^1].RecordType);
        Assert.All(result.Progress, p => Assert.Equal(0x4455, p.ActivityId));
        Assert.InRange(result.Progress.Count, 2, (int)(seconds * 5) + 3);
    }

    [Fact]
    public void TimeoutAbortsButStillWritesTheEntries()
    {
        InvocationResult result = session.Invoke("Get-DiskUsage / -Depth 1 -Timeout 00:00:00.05 -ThrottleLimit 1 -SessionVariable s; $s.Status");
        Assert.DoesNotContain(result.Errors, e => !e.FullyQualifiedErrorId.StartsWith("DiskUsage", StringComparison.Ordinal));
        Assert.Equal("Aborted", result.Output[^1].BaseObject.ToString());
        Assert.Equal(EntryType, result.Output[0].BaseObject.GetType().FullName);
        Assert.True((bool)result.Output[0].Properties["Incomplete"].Value);
        Assert.Contains(result.Warnings, w => w.Message.Contains("aborted", StringComparison.Ordinal));
    }

    [Fact]
    public void StoppingThePipelineEndsABigScanPromptlyAndKeepsThePartialSession()
    {
        (PowerShell shell, IAsyncResult pending) = session.Start("$ProgressPreference = 'Continue'; Get-DiskUsage / -Depth 0 -ThrottleLimit 1 -Strategy Legacy -SessionVariable partial");
        using (shell)
        {
            // Stop only once the scan is under way (its first progress record), however slowly the
            // machine started it, and then a little into the walk.
            var deadline = Stopwatch.StartNew();
            while (shell.Streams.Progress.Count == 0 && !pending.IsCompleted && deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                Thread.Sleep(20);
            }

            Assert.NotEmpty(shell.Streams.Progress);
            Assert.False(pending.IsCompleted, "the scan of / ended before it could be stopped");
            Thread.Sleep(300);
            var clock = Stopwatch.StartNew();
            shell.Stop();
            Assert.True(pending.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(10)));
            clock.Stop();
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"stop took {clock.Elapsed}");
        }

        InvocationResult after = session.Invoke("$partial.Status; $partial.TotalFiles -gt 0; $partial.EndTime -ge $partial.StartTime");
        Assert.Equal(["Aborted", "True", "True"], after.Output.Select(o => o.BaseObject.ToString()));
    }
}
