namespace DiskTools.Engine.Remoting;

/// <summary>
/// A command as an argument vector: the program and its arguments, never a shell string. Executors pass
/// it to the operating system unchanged (locally) or as single-quoted words (over SSH), so no argument
/// is ever interpreted by a shell.
/// </summary>
/// <remarks>
/// Where a pipeline or redirection is really wanted, the one escape hatch is <see cref="ShellScript"/>:
/// it runs <c>sh -c &lt;script&gt;</c> with the remaining values as positional parameters ($1, $2, …),
/// so the script itself is fixed text and every variable part still travels as a separate argument.
/// </remarks>
public sealed class CommandLine
{
    public CommandLine(string program, IEnumerable<string> arguments)
    {
        ArgumentException.ThrowIfNullOrEmpty(program);
        ArgumentNullException.ThrowIfNull(arguments);
        Program = program;
        Arguments = arguments.ToArray();
        foreach (string argument in Arguments)
        {
            ArgumentNullException.ThrowIfNull(argument, nameof(arguments));
        }
    }

    public string Program { get; }

    public IReadOnlyList<string> Arguments { get; }

    /// <summary>Program and arguments in one list, as the program sees them in argv.</summary>
    public IEnumerable<string> ArgumentVector => Arguments.Prepend(Program);

    public static CommandLine Create(string program, params string[] arguments) => new(program, arguments);

    /// <summary>
    /// The documented escape hatch: a fixed POSIX sh script; <paramref name="parameters"/> become $1… and
    /// are never parsed as code. Never build <paramref name="script"/> from untrusted text.
    /// </summary>
    public static CommandLine ShellScript(string script, params string[] parameters)
        => new("sh", new[] { "-c", script, "sh" }.Concat(parameters));

    /// <summary>How the command would be typed at a POSIX shell (every word quoted); for messages and logs.</summary>
    public override string ToString() => ShellQuote.Join(ArgumentVector);
}
