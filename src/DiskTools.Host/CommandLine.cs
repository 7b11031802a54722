namespace DiskTools.Host;

/// <summary>What the launcher was asked to do.</summary>
internal enum LaunchMode
{
    Command,
    File,
    Shorthand,
    Help,
    Version,
}

/// <summary>
/// The parsed command line: <c>-Command '&lt;script&gt;'</c>, <c>-File script.ps1 [args]</c>,
/// <c>&lt;Cmdlet&gt; [args]</c>, <c>-Help</c> or <c>-Version</c>. Launcher switches are matched like
/// pwsh's: case-insensitive, by any unambiguous prefix (<c>-c</c>, <c>-f</c>), with <c>--</c> or <c>/</c>-less forms.
/// </summary>
internal sealed record LaunchRequest(LaunchMode Mode, string Target, IReadOnlyList<string> Arguments)
{
    private static readonly string[] Switches = ["command", "file", "help", "version"];

    public static LaunchRequest Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0)
        {
            return new LaunchRequest(LaunchMode.Help, string.Empty, []);
        }

        string first = args[0];
        string? name = SwitchName(first);
        if (name is null)
        {
            // Anything that is not a launcher switch is a command name: `disktools Get-Foo -Bar 1`.
            return new LaunchRequest(LaunchMode.Shorthand, first, args.Skip(1).ToArray());
        }

        string[] rest = args.Skip(1).ToArray();
        switch (name)
        {
            case "help":
                return new LaunchRequest(LaunchMode.Help, string.Empty, []);
            case "version":
                return new LaunchRequest(LaunchMode.Version, string.Empty, []);
            case "command":
                if (rest.Length == 0)
                {
                    throw new UsageException("-Command needs a script: disktools -Command '<script>'.");
                }

                // Like pwsh, every remaining argument is part of the script text.
                return new LaunchRequest(LaunchMode.Command, string.Join(' ', rest), []);
            default:
                if (rest.Length == 0)
                {
                    throw new UsageException("-File needs a script path: disktools -File <script.ps1> [arguments].");
                }

                return new LaunchRequest(LaunchMode.File, rest[0], rest.Skip(1).ToArray());
        }
    }

    /// <summary>The launcher switch <paramref name="arg"/> abbreviates, or null when it is none.</summary>
    private static string? SwitchName(string arg)
    {
        if (arg is "-?" or "/?" or "-h" or "--help")
        {
            return "help";
        }

        string bare = arg.StartsWith("--", StringComparison.Ordinal) ? arg[2..] : arg.StartsWith('-') ? arg[1..] : string.Empty;
        if (bare.Length == 0)
        {
            return null;
        }

        string[] matches = Switches.Where(s => s.StartsWith(bare, StringComparison.OrdinalIgnoreCase)).ToArray();
        return matches.Length switch
        {
            1 => matches[0],
            0 => throw new UsageException($"Unknown option '{arg}'. Run 'disktools -Help' for usage."),
            _ => throw new UsageException($"Option '{arg}' is ambiguous ({string.Join(", ", matches.Select(m => "-" + m))})."),
        };
    }

    public const string Usage = """
        Usage:
          disktools -Command '<script>'          run PowerShell script text with DiskTools imported
          disktools -File <script.ps1> [args]    run a script file; args bind to its parameters
                                                 (-Name value, -Name:value, -Switch, positional)
          disktools <Cmdlet> [args]              run one command, e.g. disktools Get-DiskToolsDependency
          disktools -Version                     print the launcher, module and engine versions
          disktools -Help | -?                   print this text

        Output goes through Out-Default with the module's format views. Errors, warnings, verbose and
        debug messages go to stderr; information (Write-Information, Write-Host) to stdout.
        Progress is drawn as a live bar only when stdout is a terminal.

        Exit codes: 0 success; 1 when an error was written or a terminating error occurred;
        N from 'exit N'; 130 after Ctrl+C (SIGINT); 143 after SIGTERM; 64 for a bad command line.
        Set DISKTOOLS_MODULE to import a different DiskTools.psd1 (or module folder).
        """;
}

/// <summary>The command line cannot be understood; reported with exit code 64 (EX_USAGE).</summary>
internal sealed class UsageException(string message) : Exception(message);
