namespace DiskTools.Engine.Remoting;

/// <summary>Errors of running commands and reaching hosts that need more than an id: a refused host name, a timeout.</summary>
public static class ExecutorErrors
{
    /// <summary>
    /// Refuses a host (or user@host) that ssh, rsync or a shell would read as something else: a leading '-'
    /// (an option to ssh), whitespace or control characters (split into several words or lines).
    /// </summary>
    public static void ValidateHostName(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        int at = host.LastIndexOf('@');
        string user = at > 0 ? host[..at] : string.Empty;
        string name = at > 0 ? host[(at + 1)..] : host;
        string? why = name.Length == 0 ? "it names no host"
            : host.StartsWith('-') || name.StartsWith('-') ? "it starts with '-', which ssh would take as an option"
            : host.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) ? "it contains whitespace or control characters"
            : user.StartsWith('-') ? "its user name starts with '-'"
            : null;
        if (why is not null)
        {
            throw new DiskToolsException(ErrorIds.SshHostNameInvalid, ErrorKind.InvalidArgument,
                $"'{host.ReplaceLineEndings("\\n")}' is not usable as a host name: {why}.", host);
        }
    }

    internal static DiskToolsException TimedOut(CommandLine command, TimeSpan timeout, string target)
        => new(ErrorIds.CommandTimedOut, ErrorKind.OperationTimeout,
            $"'{command}' on {target} did not finish within {timeout.TotalSeconds:0.###} s and was killed with everything it started.",
            target);
}
