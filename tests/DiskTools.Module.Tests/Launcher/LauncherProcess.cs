using System.Diagnostics;
using DiskTools.Module.Tests.Infrastructure;

namespace DiskTools.Module.Tests.Launcher;

/// <summary>Runs the published launcher (output/launcher/disktools) as a child process with stdout and stderr captured.</summary>
internal sealed class LauncherProcess : IDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private readonly Process process;
    private readonly CapturedOutput output;

    private LauncherProcess(IEnumerable<string> args)
    {
        ProcessStartInfo start = new(ModuleSession.LauncherPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("DISKTOOLS_MODULE"); // the launcher must find the module it was built with
        process = new Process { StartInfo = start };
        output = new CapturedOutput(process);
        if (!File.Exists(ModuleSession.LauncherPath))
        {
            throw new InvalidOperationException($"No launcher at {ModuleSession.LauncherPath}; run ./build.sh build first.");
        }

        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Stdout => output.Stdout;

    public string Stderr => output.Stderr;


    public int Id => process.Id;

    public static LauncherProcess Start(params string[] args) => new(args);

    /// <summary>Runs to the end and returns the result.</summary>
    public static LauncherResult Run(params string[] args)
    {
        using LauncherProcess launcher = new(args);
        return launcher.WaitForExit(DefaultTimeout);
    }

    public LauncherResult WaitForExit(TimeSpan timeout)
    {
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"disktools did not exit within {timeout}. stdout: {Stdout} stderr: {Stderr}");
        }

        process.WaitForExit(); // drains the redirected streams
        return new LauncherResult(process.ExitCode, Stdout, Stderr);
    }

    /// <summary>Waits until stdout contains <paramref name="text"/> (the script reached a known point).</summary>
    public void WaitForOutput(string text, TimeSpan timeout)
    {
        Stopwatch waited = Stopwatch.StartNew();
        while (!Stdout.Contains(text, StringComparison.Ordinal))
        {
            if (process.HasExited || waited.Elapsed > timeout)
            {
                throw new TimeoutException($"'{text}' never appeared. stdout: {Stdout} stderr: {Stderr}");
            }

            Thread.Sleep(20);
        }
    }

    public void Signal(int signal) => CapturedOutput.Signal(process, signal);

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        process.Dispose();
    }
}

internal sealed record LauncherResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}
