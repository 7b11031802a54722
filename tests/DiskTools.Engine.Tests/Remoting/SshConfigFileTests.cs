using DiskTools.Engine.Output;
using DiskTools.Engine.Remoting.Ssh;
using Xunit;

namespace DiskTools.Engine.Tests.Remoting;

public class SshConfigFileTests
{
    private const string Config = """
        # global defaults come first only if nothing earlier set them
        Host backup nas-*
            HostName 10.0.0.%h
            User admin
            Port 2222
            IdentityFile ~/.ssh/backup_key
            IdentityFile /keys/%r@%h
            UserKnownHostsFile /etc/disktools/known_hosts "/path with space/kh"

        Host nas-* !nas-old
            User ignored-because-first-wins
            ServerAliveInterval 30

        Host quoted
            HostName "quoted.example.org"
            Port=2200
            IdentitiesOnly yes
            HostKeyAlias quoted-alias

        Match exec "false"
            User never

        Host *
            User fallback
            ConnectTimeout 7
        """;

    [Fact]
    public void FirstValueWinsAndIdentityFilesAccumulate()
    {
        SshHostConfig config = SshConfigFile.Parse(Config, "backup");
        Assert.Equal("10.0.0.backup", config.HostName);
        Assert.Equal("admin", config.User);
        Assert.Equal(2222, config.Port);
        Assert.Equal(2, config.IdentityFiles.Count);
        Assert.EndsWith("/.ssh/backup_key", config.IdentityFiles[0], StringComparison.Ordinal);
        Assert.DoesNotContain("~", config.IdentityFiles[0], StringComparison.Ordinal);
        Assert.Equal("/keys/admin@10.0.0.backup", config.IdentityFiles[1]);
        Assert.Equal(["/etc/disktools/known_hosts", "/path with space/kh"], config.UserKnownHostsFiles);
        Assert.Equal(TimeSpan.FromSeconds(7), config.ConnectTimeout);
    }

    [Fact]
    public void NegatedPatternExcludesAHost()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), SshConfigFile.Parse(Config, "nas-new").ServerAliveInterval);
        Assert.Null(SshConfigFile.Parse(Config, "nas-old").ServerAliveInterval);
    }

    [Fact]
    public void UnknownHostGetsOnlyWildcardSettings()
    {
        SshHostConfig config = SshConfigFile.Parse(Config, "elsewhere.example");
        Assert.Equal("elsewhere.example", config.HostName);
        Assert.Equal("fallback", config.User);
        Assert.Null(config.Port);
        Assert.Empty(config.IdentityFiles);
    }

    [Fact]
    public void QuotesEqualsSignsAndFlagsAreUnderstood()
    {
        SshHostConfig config = SshConfigFile.Parse(Config, "quoted");
        Assert.Equal("quoted.example.org", config.HostName);
        Assert.Equal(2200, config.Port);
        Assert.True(config.IdentitiesOnly);
        Assert.Equal("quoted-alias", config.HostKeyAlias);
        Assert.Equal("fallback", config.User); // Match blocks are not evaluated, so "never" does not apply
    }

    [Fact]
    public void IncludeReadsOtherFiles()
    {
        string dir = Directory.CreateTempSubdirectory("sshcfg").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "extra.conf"), "Host inc\n  HostName included.example\n  Port 2022\n");
            File.WriteAllText(Path.Combine(dir, "config"), "Include extra.*\nHost other\n  Port 1\n");
            SshHostConfig config = SshConfigFile.Resolve("inc", Path.Combine(dir, "config"));
            Assert.Equal("included.example", config.HostName);
            Assert.Equal(2022, config.Port);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ExplicitConfigPathMustExist()
    {
        var e = Assert.Throws<DiskToolsException>(() => SshConfigFile.Resolve("x", "/nonexistent/ssh_config"));
        Assert.Equal("InvalidSshConfig", e.ErrorId);
    }

    [Fact]
    public void BadPortIsReportedWithItsLine()
    {
        var e = Assert.Throws<DiskToolsException>(() => SshConfigFile.Parse("Host a\n Port abc\n", "a"));
        Assert.Contains("line 2", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("*", "anything", true)]
    [InlineData("nas-?", "nas-1", true)]
    [InlineData("nas-?", "nas-12", false)]
    [InlineData("*.example.org", "a.b.example.org", true)]
    [InlineData("*.example.org", "example.org", false)]
    [InlineData("HOST", "host", true)]
    public void WildcardsMatchLikeOpenSsh(string pattern, string host, bool expected)
        => Assert.Equal(expected, SshConfigFile.HostMatches([pattern], host));

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
        Assert.True(config.ResolvedByOpenSsh);
    }
}
