using System.Diagnostics;
using DiskTools.Module.Tests.Infrastructure;
using DiskTools.TestFixtures;

namespace DiskTools.Module.Tests.Lifecycle;

/// <summary>Which program runs a test script: real pwsh (the module imported by the script) or the launcher.</summary>
public enum Shell
{
    Pwsh,
    Launcher,
}

/// <summary>
/// A real pwsh or disktools process running a script file, with stdout/stderr captured and stdin kept open
/// so a script can wait at a known point (Read-Host-free: <c>[Console]::In.ReadLine()</c>) until released.
/// </summary>
internal sealed class ShellProcess : IDisposable
{
    private readonly Process process;
    private readonly CapturedOutput output;
    private readonly TaskCompletionSource<DateTimeOffset> exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ShellProcess(Shell shell, string script, IEnumerable<string> args)
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("disktools-lifecycle-").FullName, "script.ps1");
        // pwsh imports the module as a user would; the launcher has it imported already.
        File.WriteAllText(path, (shell == Shell.Pwsh ? "Import-Module $env:DISKTOOLS_TEST_MANIFEST -ErrorAction Stop\n" : string.Empty) + script);
        (string program, string? firstArgument) = shell == Shell.Pwsh ? RealPwsh() : (ModuleSession.LauncherPath, null);
        ProcessStartInfo start = new(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (firstArgument is not null)
        {
            start.ArgumentList.Add(firstArgument);
        }

        if (shell == Shell.Pwsh)
        {
            start.ArgumentList.Add("-NoProfile");
            start.ArgumentList.Add("-NonInteractive");
        }

        start.ArgumentList.Add("-File");
        start.ArgumentList.Add(path);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DISKTOOLS_TEST_MANIFEST"] = ModuleSession.LocateManifest();
        start.Environment.Remove("DISKTOOLS_MODULE");
        process = new Process { StartInfo = start, EnableRaisingEvents = true };
        output = new CapturedOutput(process);
        process.Exited += (_, _) => exited.TrySetResult(DateTimeOffset.UtcNow);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>pwsh 7.6: $DISKTOOLS_PWSH, else tools/pwsh/pwsh (./build.sh deps), else pwsh on PATH.</summary>
    public static string PwshPath
    {
        get
        {
            string? fromEnv = Environment.GetEnvironmentVariable("DISKTOOLS_PWSH");
            if (!string.IsNullOrEmpty(fromEnv))
            {
                return fromEnv;
            }

            string local = Path.Combine(RepositoryPaths.Root, "tools", "pwsh", "pwsh");
            return File.Exists(local) ? local : Prerequisite.FindExecutable("pwsh") ?? local;
        }
    }

    public int Id => process.Id;

    /// <summary>
    /// The process that really is pwsh. The dotnet tool's pwsh is a shim that runs <c>dotnet pwsh.dll</c> as a
    /// child and does not pass signals on, so a signal sent to it would never reach PowerShell: run that child
    /// directly. An installed pwsh (an apphost) runs as it is.
    /// </summary>
    private static (string Program, string? FirstArgument) RealPwsh()
    {
        string shim = PwshPath;
        string store = Path.Combine(Path.GetDirectoryName(shim)!, ".store");
        string? dll = Directory.Exists(store)
            ? Directory.EnumerateFiles(store, "pwsh.dll", SearchOption.AllDirectories).FirstOrDefault(f => f.Contains("/unix/", StringComparison.Ordinal))
            : null;
        return dll is null ? (shim, null) : (Prerequisite.FindExecutable("dotnet") ?? "dotnet", dll);
    }

    public string Stdout => output.Stdout;

    public string Stderr => output.Stderr;


    /// <summary>When the process ended (as the test saw it), once it has.</summary>
    public Task<DateTimeOffset> Exited => exited.Task;

    public static ShellProcess Start(Shell shell, string script, params string[] args)
    {
        if (shell == Shell.Pwsh)
        {
            Prerequisite.Require(File.Exists(PwshPath), $"pwsh 7.6 not found at {PwshPath}; run ./build.sh deps");
        }
        else
        {
            Prerequisite.Require(File.Exists(ModuleSession.LauncherPath), $"no launcher at {ModuleSession.LauncherPath}; run ./build.sh build");
        }

        return new ShellProcess(shell, script, args);
    }

    public void WriteLine(string line)
    {
        process.StandardInput.WriteLine(line);
        process.StandardInput.Flush();
    }

    /// <summary>Waits until stdout has a line starting with <paramref name="prefix"/> and returns the line.</summary>
    public string WaitForLine(string prefix, TimeSpan timeout)
    {
        Stopwatch waited = Stopwatch.StartNew();
        while (true)
        {
            string? line = Stdout.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
            if (line is not null)
            {
                return line;
            }

            if (process.HasExited || waited.Elapsed > timeout)
            {
                throw new TimeoutException($"'{prefix}' never appeared.\n{this}");
            }

            Thread.Sleep(20);
        }
    }

    /// <summary>Waits for the exit; the exit code is 128+N when a signal N killed the process.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!process.WaitForExit(timeout))
        {
            throw new TimeoutException($"the shell did not exit within {timeout}.\n{this}");
        }

        process.WaitForExit();
        return process.ExitCode;
    }

    public void Signal(int signal) => CapturedOutput.Signal(process, signal);

    public override string ToString() => $"--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        process.Dispose();
    }
}
