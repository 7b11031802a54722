using DiskTools.Engine.Output;
using DiskTools.Engine.Remoting.Ssh;
using Xunit;

namespace DiskTools.Engine.Tests.Remoting;

public class OpenSshConfigTests
{
    [Theory]
    [InlineData("*", "anything", true)]
    [InlineData("nas-?", "nas-1", true)]
    [InlineData("nas-?", "nas-12", false)]
    [InlineData("*.example.org", "a.b.example.org", true)]
    [InlineData("*.example.org", "example.org", false)]
    [InlineData("HOST", "host", true)]
    public void WildcardsMatchLikeOpenSsh(string pattern, string host, bool expected)
        => Assert.Equal(expected, HostPattern.Matches([pattern], host));

    [Fact]
    public void OpenSsh_resolution_is_read_with_tokens_expanded_and_proxies_noticed()
    {
        const string output = "User root\nhostname 127.0.0.1\nport 2300\nidentitiesonly yes\nidentityfile /keys/%h_%r\nidentityfile /keys/second\n"
            + "userknownhostsfile /tmp/a /tmp/b\nglobalknownhostsfile /dev/null\nserveraliveinterval 20\nconnecttimeout none\nproxyjump bastion\nproxycommand none\n";
        SshHostConfig config = OpenSshConfig.Parse(output, "alias");
        Assert.Equal("127.0.0.1", config.HostName);
        Assert.Equal(2300, config.Port);
        Assert.Equal("root", config.User);
        Assert.Equal(["/keys/127.0.0.1_root", "/keys/second"], config.IdentityFiles);
        Assert.Equal(["/tmp/a", "/tmp/b"], config.UserKnownHostsFiles);
        Assert.True(config.IdentitiesOnly);
        Assert.Equal(TimeSpan.FromSeconds(20), config.ServerAliveInterval);
        Assert.Null(config.ConnectTimeout);
        Assert.Equal("bastion", config.ProxyJump);
        Assert.Null(config.ProxyCommand);
    }

    [Fact]
    public void OpenSsh_itself_applies_Include_Match_and_the_given_port_and_user()
    {
        if (OpenSshConfig.Program is null)
        {
            return; // no ssh client here: nothing to ask
        }

        string dir = Directory.CreateTempSubdirectory("disktools-sshg-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "extra"), "Host inc\n  HostName included.example\n  User fromincluded\n");
            File.WriteAllText(Path.Combine(dir, "config"),
                $"Include {dir}/extra\nMatch host included.example\n  Port 2222\n  IdentityFile {dir}/matched_%r\nHost *\n  ConnectTimeout 7\n");
            SshHostConfig config = OpenSshConfig.TryResolve("inc", Path.Combine(dir, "config"), port: null, user: null, identityFiles: [])!;
            Assert.Equal("included.example", config.HostName);
            Assert.Equal("fromincluded", config.User);
            Assert.Equal(2222, config.Port);
            Assert.Equal(TimeSpan.FromSeconds(7), config.ConnectTimeout);
            Assert.Contains($"{dir}/matched_fromincluded", config.IdentityFiles);

            SshHostConfig overridden = OpenSshConfig.TryResolve("inc", Path.Combine(dir, "config"), port: 2300, user: "given", identityFiles: [])!;
            Assert.Equal(2300, overridden.Port);
            Assert.Equal("given", overridden.User);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
