using System.Security.Cryptography;
using System.Text;
using DiskTools.Engine.Remoting.Ssh;
using Xunit;

namespace DiskTools.Engine.Tests.Remoting;

public class KnownHostsTests
{
    private static readonly byte[] KeyA = Blob("ssh-ed25519", 1);
    private static readonly byte[] KeyB = Blob("ssh-ed25519", 2);
    private static readonly byte[] RsaKey = Blob("ssh-rsa", 3);

    [Fact]
    public void PlainEntryWithPortIsTrusted()
    {
        var entries = Entries($"[127.0.0.1]:2222 ssh-ed25519 {B64(KeyA)}");
        Assert.Equal(HostKeyStatus.Trusted, KnownHosts.Check(entries, KnownHosts.LookupName("127.0.0.1", 2222), "ssh-ed25519", KeyA));
        Assert.Equal(HostKeyStatus.Unknown, KnownHosts.Check(entries, KnownHosts.LookupName("127.0.0.1", 22), "ssh-ed25519", KeyA));
    }

    [Fact]
    public void HashedEntryMatchesOnlyItsHost()
    {
        byte[] salt = RandomNumberGenerator.GetBytes(20);
        string hashed = $"|1|{Convert.ToBase64String(salt)}|{Convert.ToBase64String(HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes("[server.example]:2200")))}";
        var entries = Entries($"{hashed} ssh-ed25519 {B64(KeyA)}");
        Assert.Equal(HostKeyStatus.Trusted, KnownHosts.Check(entries, "[server.example]:2200", "ssh-ed25519", KeyA));
        Assert.Equal(HostKeyStatus.Unknown, KnownHosts.Check(entries, "[server.example]:22", "ssh-ed25519", KeyA));
        Assert.Equal(HostKeyStatus.Changed, KnownHosts.Check(entries, "[server.example]:2200", "ssh-ed25519", KeyB));
    }

    [Fact]
    public void DifferentKeyOfSameTypeIsChangedButOtherTypeIsUnknown()
    {
        var entries = Entries($"host1,host2 ssh-ed25519 {B64(KeyA)} comment here");
        Assert.Equal(HostKeyStatus.Trusted, KnownHosts.Check(entries, "host2", "ssh-ed25519", KeyA));
        Assert.Equal(HostKeyStatus.Changed, KnownHosts.Check(entries, "host1", "ssh-ed25519", KeyB));
        Assert.Equal(HostKeyStatus.Unknown, KnownHosts.Check(entries, "host1", "ssh-rsa", RsaKey));
    }

    [Fact]
    public void WildcardsNegationRevocationAndComments()
    {
        var entries = Entries(
            "# comment",
            "",
            $"*.lan,!bad.lan ssh-ed25519 {B64(KeyA)}",
            $"@revoked * ssh-ed25519 {B64(KeyB)}",
            $"@cert-authority *.lan ssh-ed25519 {B64(RsaKey)}",
            "garbage line");
        Assert.Equal(HostKeyStatus.Trusted, KnownHosts.Check(entries, "nas.lan", "ssh-ed25519", KeyA));
        Assert.Equal(HostKeyStatus.Unknown, KnownHosts.Check(entries, "bad.lan", "ssh-ed25519", KeyA));
        Assert.Equal(HostKeyStatus.Revoked, KnownHosts.Check(entries, "nas.lan", "ssh-ed25519", KeyB));
    }

    [Fact]
    public void FingerprintsUseSsh256UnpaddedBase64()
    {
        string fingerprint = HostKeyFingerprint.Compute(KeyA);
        Assert.StartsWith("SHA256:", fingerprint, StringComparison.Ordinal);
        Assert.Equal(50, fingerprint.Length);
        Assert.True(HostKeyFingerprint.IsWellFormed(fingerprint));
        Assert.True(HostKeyFingerprint.Matches(fingerprint[7..] + "=", fingerprint));
        Assert.False(HostKeyFingerprint.Matches(fingerprint.ToLowerInvariant(), fingerprint));
        Assert.False(HostKeyFingerprint.IsWellFormed("SHA256:short"));
    }

    private static List<KnownHostEntry> Entries(params string[] lines)
        => lines.Select((l, i) => KnownHosts.ParseLine(l, $"test:{i + 1}")).OfType<KnownHostEntry>().ToList();

    private static string B64(byte[] blob) => Convert.ToBase64String(blob);

    private static byte[] Blob(string type, byte seed)
    {
        var blob = new List<byte>();
        blob.AddRange([0, 0, 0, (byte)type.Length]);
        blob.AddRange(Encoding.ASCII.GetBytes(type));
        blob.AddRange([0, 0, 0, 32]);
        blob.AddRange(Enumerable.Repeat(seed, 32));
        return blob.ToArray();
    }
}
