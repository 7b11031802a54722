using DiskTools.Host.Progress;

namespace DiskTools.Host.Hosting;

/// <summary>
/// The launcher's only way to the console. Every write takes one lock, lifts the progress block off the
/// screen first and lets it come back afterwards, so output, messages and the bar never interleave.
/// Both streams flush on every write: a reader of a pipe sees each line as it is produced (a long scan
/// is watchable with tee), and stdout and stderr stay in order for a reader of both.
/// </summary>
internal sealed class ConsoleStreams : IDisposable
{
    private readonly object gate = new();
    private readonly TextWriter stdout;
    private readonly TextWriter stderr;
    private ProgressDisplay? progress;

    public ConsoleStreams()
    {
        StdoutIsTerminal = !Console.IsOutputRedirected;
        StderrIsTerminal = !Console.IsErrorRedirected;
        UTF8Encoding utf8 = new(encoderShouldEmitUTF8Identifier: false);
        stdout = new StreamWriter(Console.OpenStandardOutput(), utf8, 64 * 1024) { AutoFlush = true };
        stderr = new StreamWriter(Console.OpenStandardError(), utf8, 4 * 1024) { AutoFlush = true };
        bool colorAllowed = string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
            && Environment.GetEnvironmentVariable("TERM") != "dumb";
        StdoutColor = StdoutIsTerminal && colorAllowed;
        StderrColor = StderrIsTerminal && colorAllowed;
    }

    public bool StdoutIsTerminal { get; }

    public bool StderrIsTerminal { get; }

    /// <summary>ANSI colour may be used on stdout (a terminal, NO_COLOR unset, TERM not dumb).</summary>
    public bool StdoutColor { get; }

    public bool StderrColor { get; }

    /// <summary>True when the last text written to stdout ended a line: the progress block may be drawn below it.</summary>
    public bool StdoutAtLineStart { get; private set; } = true;

    internal object Gate => gate;

    /// <summary>The terminal stdout, for the progress block (called under <see cref="Gate"/>).</summary>
    internal TextWriter RawStdout => stdout;

    public void Attach(ProgressDisplay display) => progress = display;

    /// <summary>Writes to stdout. ANSI decoration is kept only where $PSStyle.OutputRendering allows it:
    /// "Ansi" always, "Host" (the default) on a colour terminal, "PlainText" never.</summary>
    public void Out(string text)
    {
        if (!KeepAnsi(StdoutColor))
        {
            text = AnsiText.Strip(text);
        }

        if (text.Length == 0)
        {
            return;
        }

        lock (gate)
        {
            progress?.EraseLocked();
            stdout.Write(text);
            StdoutAtLineStart = text[^1] == '\n';
            progress?.MarkDirtyLocked();
        }
    }

    /// <summary>Writes a line to stderr, coloured with <paramref name="sgr"/> (e.g. "33" for yellow) on a terminal.</summary>
    public void ErrorLine(string text, string? sgr = null)
    {
        if (!KeepAnsi(StderrColor))
        {
            text = AnsiText.Strip(text);
        }

        lock (gate)
        {
            progress?.EraseLocked();
            stdout.Flush();
            if (!StdoutAtLineStart && StderrIsTerminal && StdoutIsTerminal)
            {
                // Same screen: finish the partial stdout line so the message starts at the left edge.
                stdout.Write('\n');
                StdoutAtLineStart = true;
            }

            stderr.Write(sgr is not null && KeepAnsi(StderrColor) ? $"\u001b[{sgr}m{text}\u001b[0m\n" : text + "\n");
            progress?.MarkDirtyLocked();
        }
    }

    private static bool KeepAnsi(bool colorTerminal) => System.Management.Automation.PSStyle.Instance.OutputRendering switch
    {
        System.Management.Automation.OutputRendering.Ansi => true,
        System.Management.Automation.OutputRendering.PlainText => false,
        _ => colorTerminal,
    };

    public void Flush()
    {
        lock (gate)
        {
            stdout.Flush();
            stderr.Flush();
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            progress?.EraseLocked();
            stdout.Flush();
            stderr.Flush();
        }
    }
}
