namespace DiskTools.Engine.Remoting;

/// <summary>The outcome of a finished command.</summary>
/// <param name="ExitCode">The exit status; 128+N when killed by signal N; 127 when the program was not found.</param>
/// <param name="StandardOutput">Everything written to stdout (UTF-8).</param>
/// <param name="StandardError">Everything written to stderr (UTF-8).</param>
public sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>The exit status shells use for "command not found".</summary>
    public const int CommandNotFound = 127;

    public bool Succeeded => ExitCode == 0;
}

/// <summary>Which stream a line came from.</summary>
public enum OutputStream
{
    StandardOutput,
    StandardError,
}

/// <summary>One line a running command wrote, without its line terminator.</summary>
public readonly record struct OutputLine(OutputStream Stream, string Text);
