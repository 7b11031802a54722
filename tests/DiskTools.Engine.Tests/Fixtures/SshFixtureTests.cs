using DiskTools.TestFixtures;
using Renci.SshNet;
using Renci.SshNet.Common;
using Xunit;

namespace DiskTools.Engine.Tests.Fixtures;

/// <summary>Proves the sshd fixture with SSH.NET and with the OpenSSH client.</summary>
public sealed class SshFixtureTests
{
    [SkippableFact]
    public void SshNet_connects_with_the_pinned_host_key_and_runs_a_command()
    {
        SshServer server = SshServer.Shared;
        using SshClient client = Connect(server, server.HostKeyFingerprint);

        using SshCommand command = client.RunCommand("hostname");
        Assert.Equal(0, command.ExitStatus);
        Assert.Equal(Environment.MachineName, command.Result.Trim());

        using SshCommand whoami = client.RunCommand("id -un");
        Assert.Equal(server.UserName, whoami.Result.Trim());
    }

    [SkippableFact]
    public void SshNet_refuses_a_host_key_that_does_not_match_the_pin()
    {
        SshServer server = SshServer.Shared;
        string wrong = "SHA256:" + Convert.ToBase64String(new byte[32]).TrimEnd('=');
        Assert.ThrowsAny<SshConnectionException>(() => Connect(server, wrong).Dispose());
    }

    [SkippableFact]
    public void OpenSsh_client_logs_in_through_the_generated_config_and_known_hosts()
    {
        SshServer server = SshServer.Shared;
        Prerequisite.Require(Prerequisite.FindExecutable("ssh") is not null, "ssh client not found; install the 'openssh-client' package");

        ProcessResult result = ProcessRunner.Run("ssh", ["-F", server.ConfigPath, server.Alias, "echo", "pinned"], TimeSpan.FromSeconds(60));
        Assert.Equal("pinned", result.StandardOutput.Trim());

        string[] knownHosts = File.ReadAllLines(server.KnownHostsPath);
        Assert.Equal($"[127.0.0.1]:{server.Port} {server.HostPublicKey}", Assert.Single(knownHosts));

        // The same client must refuse a server whose key is not the pinned one.
        string scratch = Directory.CreateTempSubdirectory("disktools-known-").FullName;
        try
        {
            string otherKey = Path.Combine(scratch, "other");
            ProcessRunner.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", otherKey);
            string otherKnownHosts = Path.Combine(scratch, "known_hosts");
            File.WriteAllText(otherKnownHosts, $"[127.0.0.1]:{server.Port} {File.ReadAllText(otherKey + ".pub")}");
            ProcessResult refused = ProcessRunner.TryRun("ssh", ["-F", server.ConfigPath, "-o", $"UserKnownHostsFile={otherKnownHosts}", server.Alias, "true"], TimeSpan.FromSeconds(60));
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("HOST IDENTIFICATION HAS CHANGED", refused.StandardError, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    [SkippableFact]
    public void KillSessions_drops_live_connections_and_the_server_keeps_accepting()
    {
        using SshServer server = SshServer.StartPrivate();
        using SshClient client = Connect(server, server.HostKeyFingerprint);
        Assert.Equal("before", client.RunCommand("echo before").Result.Trim());

        server.KillSessions();

        Assert.ThrowsAny<Exception>(() => client.RunCommand("echo after"));
        using SshClient again = Connect(server, server.HostKeyFingerprint);
        Assert.Equal("again", again.RunCommand("echo again").Result.Trim());
    }

    private static SshClient Connect(SshServer server, string pinnedFingerprint)
    {
        var client = new SshClient(server.Host, server.Port, server.UserName, new PrivateKeyFile(server.PrivateKeyPath));
        client.HostKeyReceived += (_, e) => e.CanTrust = "SHA256:" + e.FingerPrintSHA256 == pinnedFingerprint;
        try
        {
            client.Connect();
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }
}
