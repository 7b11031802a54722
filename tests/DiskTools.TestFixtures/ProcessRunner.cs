using System.Diagnostics;

namespace DiskTools.TestFixtures;

/// <summary>
/// Runs a command with an argument list (never through a shell, so paths need no quoting), waits with a
/// timeout and captures both streams. <see cref="Run(string, string[])"/> throws with the stderr when the
/// command fails, which is what a fixture or test wants nearly always.
/// </summary>
public static class ProcessRunner
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Runs and throws <see cref="ProcessFailedException"/> on a non-zero exit.</summary>
    public static ProcessResult Run(string fileName, params string[] arguments) =>
        Run(fileName, arguments, DefaultTimeout);

    /// <summary>Runs and throws <see cref="ProcessFailedException"/> on a non-zero exit.</summary>
    public static ProcessResult Run(string fileName, IEnumerable<string> arguments, TimeSpan timeout,
        string? workingDirectory = null, string? standardInput = null)
    {
        ProcessResult result = TryRun(fileName, arguments, timeout, workingDirectory, standardInput);
        return result.Succeeded ? result : throw new ProcessFailedException(result);
    }

    /// <summary>Runs and returns whatever happened; throws only when it cannot start or times out.</summary>
    public static ProcessResult TryRun(string fileName, IEnumerable<string> arguments, TimeSpan? timeout = null,
        string? workingDirectory = null, string? standardInput = null)
    {
        string[] args = arguments.ToArray();
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            // Empty inherits ours. Commands run as another user (runuser) need one they can enter.
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (string arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"Could not start '{Describe(fileName, args)}'.");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        try
        {
            if (standardInput is not null)
            {
                process.StandardInput.Write(standardInput);
            }

            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The command exited without reading its input; its exit code tells the story.
        }

        TimeSpan limit = timeout ?? DefaultTimeout;
        if (!process.WaitForExit(limit))
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited just now.
            }

            throw new TimeoutException(
                $"'{Describe(fileName, args)}' did not finish within {limit.TotalSeconds:0.#} s; stderr so far: {Drain(stderr)}");
        }

        process.WaitForExit();
        return new ProcessResult(fileName, args, process.ExitCode, Drain(stdout), Drain(stderr));
    }

    internal static string Describe(string fileName, IEnumerable<string> arguments) =>
        string.Join(' ', new[] { fileName }.Concat(arguments).Select(Quote));

    // A daemon started by the command may keep the pipes open after the command itself exited; don't wait
    // for it forever.
    private static string Drain(Task<string> read) =>
        read.Wait(TimeSpan.FromSeconds(5)) ? read.Result : "(output still open: a child process holds the pipe)";

    private static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsLetterOrDigit(c) || "-_./=:,@+%".Contains(c)) ? arg : $"'{arg.Replace("'", "'\\''")}'";
}
