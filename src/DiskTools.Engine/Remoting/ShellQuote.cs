namespace DiskTools.Engine.Remoting;

/// <summary>
/// Builds POSIX shell command lines in which every argument is one single-quoted word. Inside single
/// quotes a POSIX shell interprets nothing (no $, `, \, ;, globbing or newlines), so the only character
/// that needs care is the single quote itself, which is written as <c>'\''</c> (close, escaped quote,
/// reopen). SSH hands the remote login shell one string, so this is what keeps a subvolume called
/// <c>x; rm -rf /</c> a name rather than a command.
/// </summary>
public static class ShellQuote
{
    /// <summary>Quotes one argument. Always quotes, even when it would be safe bare, so there is no judgement to get wrong.</summary>
    /// <exception cref="ArgumentException">The argument contains a NUL character, which no command line can carry.</exception>
    public static string Quote(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        var builder = new StringBuilder(argument.Length + 2);
        Append(builder, argument);
        return builder.ToString();
    }

    /// <summary>Joins arguments into one command line, each quoted, separated by single spaces.</summary>
    public static string Join(IEnumerable<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var builder = new StringBuilder();
        foreach (string argument in arguments)
        {
            if (builder.Length > 0)
            {
                builder.Append(' ');
            }

            Append(builder, argument);
        }

        return builder.ToString();
    }

    private static void Append(StringBuilder builder, string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        if (argument.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("A command argument cannot contain a NUL character.", nameof(argument));
        }

        builder.Append('\'');
        foreach (char c in argument)
        {
            if (c == '\'')
            {
                builder.Append("'\\''");
            }
            else
            {
                builder.Append(c);
            }
        }

        builder.Append('\'');
    }
}
