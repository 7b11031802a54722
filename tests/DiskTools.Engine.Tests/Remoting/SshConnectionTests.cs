using System.Net;
using System.Net.Sockets;
using DiskTools.Engine.Output;
using DiskTools.Engine.Remoting;
using DiskTools.Engine.Remoting.Ssh;
using DiskTools.TestFixtures;
using Xunit;

namespace DiskTools.Engine.Tests.Remoting;

/// <summary>Host key verification, errors and connection events against a real sshd.</summary>
public sealed class SshConnectionTests
{
    [Fact]
    public async Task PinnedFingerprintIsAccepted()
    {
        SshServer server = SshServer.Shared;
        await using SshExecutor executor = await SshExecutor.ConnectAsync(new SshConnectionOptions
        {
            Host = server.Host,
            Port = server.Port,
            UserName = server.UserName,
            IdentityFiles = [server.PrivateKeyPath],
            ConfigPath = "/dev/null",
            HostKeyFingerprint = server.HostKeyFingerprint,
            UseAgent = false,
        }, CancellationToken.None);
        Assert.Equal(server.HostKeyFingerprint, executor.HostKeyFingerprint);
    }

    [Fact]
    public async Task WrongPinnedFingerprintIsAHostKeyMismatchNamingTheRealOne()
    {
        SshServer server = SshServer.Shared;
        string wrong = HostKeyFingerprint.Compute(new byte[] { 1, 2, 3 });
        var e = await Assert.ThrowsAsync<DiskToolsException>(() => SshExecutor.ConnectAsync(
            ExecutorFactory.ForAlias(server) with { HostKeyFingerprint = wrong }, CancellationToken.None));
        Assert.Equal(ErrorIds.SshHostKeyMismatch, e.ErrorId);
        Assert.Equal(ErrorKind.SecurityError, e.Kind);
        Assert.Contains(server.HostKeyFingerprint, e.Message, StringComparison.Ordinal);
        Assert.Contains(wrong, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownHostKeyIsRefusedNamingItsFingerprint()
    {
        SshServer server = SshServer.Shared;
        string empty = Path.GetTempFileName();
        try
        {
            var e = await Assert.ThrowsAsync<DiskToolsException>(() => SshExecutor.ConnectAsync(
                ExecutorFactory.ForAlias(server) with { KnownHostsFiles = [empty] }, CancellationToken.None));
            Assert.Equal(ErrorIds.SshHostKeyUnknown, e.ErrorId);
            Assert.Contains(server.HostKeyFingerprint, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(empty);
        }
    }

    [Fact]
    public async Task ChangedKeyInKnownHostsIsAMismatch()
    {
        SshServer server = SshServer.Shared;
        string dir = Directory.CreateTempSubdirectory("disktools-kh").FullName;
        try
        {
            ProcessRunner.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(dir, "other"));
            string otherKey = string.Join(' ', File.ReadAllText(Path.Combine(dir, "other.pub")).Split(' ')[..2]);
            string knownHosts = Path.Combine(dir, "known_hosts");
            File.WriteAllText(knownHosts, $"[{server.Host}]:{server.Port} {otherKey}\n");
            var e = await Assert.ThrowsAsync<DiskToolsException>(() => SshExecutor.ConnectAsync(
                ExecutorFactory.ForAlias(server) with { KnownHostsFiles = [knownHosts] }, CancellationToken.None));
            Assert.Equal(ErrorIds.SshHostKeyMismatch, e.ErrorId);
            Assert.Contains(server.HostKeyFingerprint, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task HashedKnownHostsEntryIsAccepted()
    {
        SshServer server = SshServer.Shared;
        string dir = Directory.CreateTempSubdirectory("disktools-kh").FullName;
        try
        {
            string knownHosts = Path.Combine(dir, "known_hosts");
            File.Copy(server.KnownHostsPath, knownHosts);
            ProcessRunner.Run("ssh-keygen", "-q", "-H", "-f", knownHosts); // OpenSSH hashes the names in place
            Assert.StartsWith("|1|", File.ReadAllText(knownHosts), StringComparison.Ordinal);
            await using SshExecutor executor = await SshExecutor.ConnectAsync(
                ExecutorFactory.ForAlias(server) with { KnownHostsFiles = [knownHosts] }, CancellationToken.None);
            Assert.True((await executor.RunAsync(CommandLine.Create("true"), TimeSpan.FromSeconds(60), CancellationToken.None)).Succeeded);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task ClosedPortIsHostUnreachable()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now
        var e = await Assert.ThrowsAsync<DiskToolsException>(() => SshExecutor.ConnectAsync(
            ExecutorFactory.ForAlias(SshServer.Shared) with { Port = port }, CancellationToken.None));
        Assert.Equal(ErrorIds.HostUnreachable, e.ErrorId);
        Assert.Equal(ErrorKind.ConnectionError, e.Kind);
    }

    [Fact]
    public async Task WrongKeyIsAnAuthenticationFailure()
    {
        SshServer server = SshServer.Shared;
        string dir = Directory.CreateTempSubdirectory("disktools-key").FullName;
        try
        {
            ProcessRunner.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(dir, "stranger"));
            var e = await Assert.ThrowsAsync<DiskToolsException>(() => SshExecutor.ConnectAsync(new SshConnectionOptions
            {
                Host = server.Host,
                Port = server.Port,
                UserName = server.UserName,
                IdentityFiles = [Path.Combine(dir, "stranger")],
                ConfigPath = "/dev/null",
                KnownHostsFiles = [server.KnownHostsPath],
                UseAgent = false,
            }, CancellationToken.None));
            Assert.Equal(ErrorIds.SshAuthenticationFailed, e.ErrorId);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [SkippableFact]
    public async Task AgentKeysAuthenticate()
    {
        Prerequisite.Require(Prerequisite.FindExecutable("ssh-agent") is not null && Prerequisite.FindExecutable("ssh-add") is not null, "ssh-agent and ssh-add are needed");
        SshServer server = SshServer.Shared;
        string dir = Directory.CreateTempSubdirectory("disktools-agent").FullName;
        string socket = Path.Combine(dir, "agent.sock");
        ProcessResult agent = ProcessRunner.Run("ssh-agent", "-a", socket);
        string pid = agent.StandardOutput.Split(["SSH_AGENT_PID="], StringSplitOptions.None)[1].Split(';')[0];
        try
        {
            ProcessRunner.Run("env", $"SSH_AUTH_SOCK={socket}", "ssh-add", "-q", server.PrivateKeyPath);
            string config = Path.Combine(dir, "config");
            // The alias without IdentityFile: only the agent holds the key.
            File.WriteAllText(config, $"Host agent-test\n  HostName {server.Host}\n  Port {server.Port}\n  User {server.UserName}\n  IdentityAgent {socket}\n  UserKnownHostsFile {server.KnownHostsPath}\n  IdentityFile {Path.Combine(dir, "absent")}\n");
            await using SshExecutor executor = await SshExecutor.ConnectAsync(new SshConnectionOptions { Host = "agent-test", ConfigPath = config }, CancellationToken.None);
            Assert.True((await executor.RunAsync(CommandLine.Create("true"), TimeSpan.FromSeconds(60), CancellationToken.None)).Succeeded);
        }
        finally
        {
            ProcessRunner.TryRun("kill", [pid]);
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task ReportsConnectedDisconnectedAndReconnectingWithRoundTrip()
    {
        using SshServer server = SshServer.StartPrivate();
        var events = new List<ConnectionEvent>();
        await using SshExecutor executor = await SshExecutor.ConnectAsync(ExecutorFactory.ForAlias(server), CancellationToken.None);
        executor.ConnectionChanged += (_, e) =>
        {
            lock (events)
            {
                events.Add(e);
            }
        };
        Assert.NotNull(executor.LastRoundTrip);

        server.KillSessions(); // drops the live connection
        CommandResult after = await executor.RunAsync(CommandLine.Create("echo", "back"), TimeSpan.FromSeconds(60), CancellationToken.None);
        Assert.Equal("back\n", after.StandardOutput);
        lock (events)
        {
            Assert.Contains(events, e => e.State == ConnectionState.Disconnected);
            Assert.Contains(events, e => e.State == ConnectionState.Reconnecting && e.Attempt == 1);
            ConnectionEvent connected = Assert.Single(events, e => e.State == ConnectionState.Connected);
            Assert.NotNull(connected.RoundTrip);
            Assert.True(connected.RoundTrip > TimeSpan.Zero);
        }
    }
}
