using DiskTools.Engine.Output;

namespace DiskTools.Engine.Remoting;

/// <summary>Stable error ids for running commands and reaching hosts.</summary>
public static class ExecutorErrors
{
    public const string CommandTimedOut = "CommandTimedOut";
    public const string CommandStartFailed = "CommandStartFailed";
    public const string HostUnreachable = "HostUnreachable";
    public const string HostKeyMismatch = "SshHostKeyMismatch";
    public const string HostKeyUnknown = "SshHostKeyUnknown";
    public const string HostKeyRevoked = "SshHostKeyRevoked";
    public const string AuthenticationFailed = "SshAuthenticationFailed";
    public const string ConnectionLost = "SshConnectionLost";
    public const string FileTransferFailed = "FileTransferFailed";
    public const string InvalidSshConfig = "InvalidSshConfig";

    internal static DiskToolsException TimedOut(CommandLine command, TimeSpan timeout, string target)
        => new(CommandTimedOut, ErrorKind.OperationTimeout,
            $"'{command}' on {target} did not finish within {timeout.TotalSeconds:0.###} s and was killed with everything it started.",
            target);
}
