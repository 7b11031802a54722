using System.Management.Automation;
using DiskTools.Module.Tests.Infrastructure;
using DiskTools.TestFixtures;
using Xunit;

namespace DiskTools.Module.Tests.Sync;

/// <summary>
/// The command channel (SSH.NET) and rsync's ssh reach the same host as the same user with the same host-key
/// rule, however the host is named: ssh_config with Include and Match, or -Port, -IdentityFile,
/// -KnownHostsFile and -HostKeyFingerprint.
/// </summary>
[Collection(SyncCollection.Name)]
public sealed class SyncChannelTests(SyncEnvironment env)
{
    [SkippableFact]
    public void A_host_named_through_Include_and_Match_blocks_is_reached_by_both_channels_where_OpenSSH_says()
    {
        env.Require();
        // OpenSSH: the first value wins, so the Match block (the real target) beats the Host block after it,
        // which points at a decoy sshd. A reader that skips Match blocks would end up at the decoy.
        using SshServer decoy = SshServer.StartPrivate();
        string include = Path.Combine(env.Home, $"ssh-include-{Guid.NewGuid():N}.conf");
        File.WriteAllText(include, $"""
            Match originalhost disktools-matched exec "true"
                HostName 127.0.0.1
                Port {env.Server.Port}
                User {env.Server.UserName}
                IdentityFile {env.Server.PrivateKeyPath}
                IdentitiesOnly yes
                UserKnownHostsFile {env.Server.KnownHostsPath}
                GlobalKnownHostsFile /dev/null
            Host disktools-matched
                HostName 127.0.0.1
                Port {decoy.Port}
                IdentityFile {decoy.PrivateKeyPath}
                UserKnownHostsFile {decoy.KnownHostsPath}

            """);
        string sshConfig = Path.Combine(env.Home, $"ssh-config-{Guid.NewGuid():N}");
        File.WriteAllText(sshConfig, $"Include {include}\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(sshConfig, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        (string src, string dst, string config) = Folder("matched");
        string before = env.Server.Log;

        InvocationResult result = env.Session.Invoke(env.StartScript(), "disktools-matched", sshConfig, config);

        Assert.Empty(result.Errors);
        Assert.Equal("Completed", Assert.Single(result.Output).Properties["Status"].Value.ToString());
        Assert.Equal("x", File.ReadAllText(Path.Combine(dst, "x.txt")));
        Assert.DoesNotContain("Accepted", decoy.Log, StringComparison.Ordinal);
        // SSH.NET's connection and rsync's ssh both logged in to the real target (the folder fits for sure, so
        // the preflight needed no dry run).
        Assert.True(CountAccepted(env.Server.Log) - CountAccepted(before) >= 2, env.Server.Log);
        Assert.True(Directory.Exists(src));
    }

    [SkippableFact]
    public void A_pinned_fingerprint_with_explicit_port_key_and_known_hosts_reaches_rsync_too()
    {
        env.Require();
        // No ssh_config to lean on and a known_hosts file that lists nothing: only the pinned key makes it trusted.
        string emptyConfig = Path.Combine(env.Home, "ssh-config-empty");
        File.WriteAllText(emptyConfig, string.Empty);
        string emptyKnownHosts = Path.Combine(env.Home, "known-hosts-empty");
        File.WriteAllText(emptyKnownHosts, string.Empty);
        (_, string dst, string config) = Folder("pinned");
        string script = "Start-SyncSession -ComputerName 127.0.0.1 -Port $args[0] -IdentityFile $args[1] -KnownHostsFile $args[2] -HostKeyFingerprint $args[3] -SshConfigPath $args[4] -ConfigPath $args[5]";

        InvocationResult result = env.Session.Invoke(script, env.Server.Port, env.Server.PrivateKeyPath, emptyKnownHosts, env.Server.HostKeyFingerprint, emptyConfig, config);

        Assert.Empty(result.Errors);
        Assert.Equal("Completed", Assert.Single(result.Output).Properties["Status"].Value.ToString());
        Assert.Equal("x", File.ReadAllText(Path.Combine(dst, "x.txt")));

        // A wrong pin is refused before anything runs, on both channels alike.
        File.Delete(Path.Combine(dst, "x.txt"));
        string wrong = "SHA256:" + new string('A', 43);
        InvocationResult refused = env.Session.Invoke(script, env.Server.Port, env.Server.PrivateKeyPath, emptyKnownHosts, wrong, emptyConfig, config);
        ErrorRecord error = Assert.Single(refused.Errors);
        Assert.StartsWith("SshHostKeyMismatch", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dst, "x.txt")));
    }

    private (string Source, string Target, string Config) Folder(string name)
    {
        string src = Path.Combine(SyncEnvironment.Data(env.Source), "channel-" + name);
        string dst = Path.Combine(SyncEnvironment.Data(env.Target), "channel-" + name);
        Directory.CreateDirectory(src);
        File.WriteAllText(Path.Combine(src, "x.txt"), "x");
        string config = env.WriteConfig($$"""
            sync_jobs: { folder_sync: true }
            folder_sync:
              folders: [{ source: "{{src}}", target: "{{dst}}" }]
            """);
        return (src, dst, config);
    }

    private static int CountAccepted(string log)
        => log.Split('\n').Count(l => l.Contains("Accepted publickey", StringComparison.Ordinal));
}
