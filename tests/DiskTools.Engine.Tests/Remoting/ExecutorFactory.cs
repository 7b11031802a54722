using DiskTools.Engine.Remoting;
using DiskTools.Engine.Remoting.Ssh;
using DiskTools.TestFixtures;

namespace DiskTools.Engine.Tests.Remoting;

/// <summary>Both executors, so a test runs once on this machine and once through the real sshd.</summary>
internal static class ExecutorFactory
{
    public const string Local = "local";
    public const string Ssh = "ssh";

    public static async Task<ICommandExecutor> CreateAsync(string kind, SshServer? server = null)
    {
        if (kind == Local)
        {
            return new LocalExecutor();
        }

        server ??= SshServer.Shared;
        return await SshExecutor.ConnectAsync(ForAlias(server), CancellationToken.None);
    }

    /// <summary>Connects through the fixture's ssh_config alias, as a user with ~/.ssh/config would.</summary>
    public static SshConnectionOptions ForAlias(SshServer server) => new()
    {
        Host = server.Alias,
        ConfigPath = server.ConfigPath,
        UseAgent = false,
    };
}
