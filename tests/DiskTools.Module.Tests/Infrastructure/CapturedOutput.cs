using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace DiskTools.Module.Tests.Infrastructure;

/// <summary>
/// A child process's stdout and stderr, collected line by line as they arrive and readable at any moment (a
/// test waits on what a shell or the launcher has printed so far), and signals sent to it by number.
/// </summary>
internal sealed class CapturedOutput
{
    private readonly StringBuilder stdout = new();
    private readonly StringBuilder stderr = new();
    private readonly object gate = new();

    /// <summary>Collects <paramref name="process"/>'s redirected streams; call before it starts.</summary>
    public CapturedOutput(Process process)
    {
        process.OutputDataReceived += (_, e) => Append(stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(stderr, e.Data);
    }

    public string Stdout
    {
        get
        {
            lock (gate)
            {
                return stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (gate)
            {
                return stderr.ToString();
            }
        }
    }

    /// <summary>kill(2): SIGTERM, SIGHUP, SIGINT as a service manager, a closed terminal or Ctrl+C would send it.</summary>
    public static void Signal(Process process, int signal)
    {
        if (Kill(process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    private void Append(StringBuilder target, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (gate)
        {
            target.Append(line).Append('\n');
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
