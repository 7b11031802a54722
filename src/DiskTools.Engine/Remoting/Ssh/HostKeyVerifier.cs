namespace DiskTools.Engine.Remoting.Ssh;

/// <summary>
/// Decides whether the key a server presents may be trusted: against a pinned SHA256 fingerprint when one
/// is given, otherwise against known_hosts. Anything but a positive match is refused, and the refusal
/// names the presented fingerprint so the user can check it out of band.
/// </summary>
internal sealed class HostKeyVerifier
{
    private readonly string lookupName;
    private readonly string? pinnedFingerprint;
    private readonly IReadOnlyList<string> knownHostsFiles;

    public HostKeyVerifier(string lookupName, string? pinnedFingerprint, IReadOnlyList<string> knownHostsFiles)
    {
        this.lookupName = lookupName;
        this.pinnedFingerprint = pinnedFingerprint;
        this.knownHostsFiles = knownHostsFiles;
    }

    /// <summary>The fingerprint of the last key checked.</summary>
    public string? PresentedFingerprint { get; private set; }

    /// <summary>The last key trusted: its type (e.g. ssh-ed25519) and public key blob; null until one is.</summary>
    public (string KeyType, byte[] Blob)? TrustedKey { get; private set; }

    /// <summary>Why the last key was refused, or null when it was trusted (or none was checked yet).</summary>
    public DiskToolsException? Failure { get; private set; }

    public bool Verify(byte[] hostKeyBlob)
    {
        string fingerprint = HostKeyFingerprint.Compute(hostKeyBlob);
        string keyType = KeyType(hostKeyBlob);
        PresentedFingerprint = fingerprint;
        Failure = null;
        if (pinnedFingerprint is not null)
        {
            if (HostKeyFingerprint.Matches(pinnedFingerprint, fingerprint))
            {
                TrustedKey = (keyType, hostKeyBlob);
                return true;
            }

            Failure = new DiskToolsException(ErrorIds.SshHostKeyMismatch, ErrorKind.SecurityError,
                $"Host key mismatch for {lookupName}: the server presented {keyType} {fingerprint}, but {pinnedFingerprint} was expected. " +
                "The connection was refused; if the host key really changed, pin the new fingerprint after verifying it out of band.",
                lookupName);
            return false;
        }

        var entries = KnownHosts.Read(knownHostsFiles).ToList();
        switch (KnownHosts.Check(entries, lookupName, keyType, hostKeyBlob))
        {
            case HostKeyStatus.Trusted:
                TrustedKey = (keyType, hostKeyBlob);
                return true;
            case HostKeyStatus.Changed:
                string listed = string.Join(", ", entries.Where(e => e.Marker is null && e.Matches(lookupName) && e.KeyType == keyType)
                    .Select(e => $"{HostKeyFingerprint.Compute(e.Key)} ({e.Source})"));
                Failure = new DiskToolsException(ErrorIds.SshHostKeyMismatch, ErrorKind.SecurityError,
                    $"HOST KEY CHANGED for {lookupName}: the server presented {keyType} {fingerprint}, but known_hosts lists {listed}. " +
                    "This may be an attack; the connection was refused. If the key really changed, remove the old line and add the new key.",
                    lookupName);
                return false;
            case HostKeyStatus.Revoked:
                Failure = new DiskToolsException(ErrorIds.SshHostKeyRevoked, ErrorKind.SecurityError,
                    $"The host key {keyType} {fingerprint} presented by {lookupName} is marked @revoked in known_hosts; the connection was refused.",
                    lookupName);
                return false;
            default:
                string searched = knownHostsFiles.Count == 0 ? "(no known_hosts files)" : string.Join(", ", knownHostsFiles);
                Failure = new DiskToolsException(ErrorIds.SshHostKeyUnknown, ErrorKind.SecurityError,
                    $"The host key of {lookupName} is not known: the server presented {keyType} {fingerprint}, and no entry in {searched} lists it. " +
                    "Verify that fingerprint out of band, then add the key to known_hosts (e.g. with ssh-keyscan) or pin it with -HostKeyFingerprint.",
                    lookupName);
                return false;
        }
    }

    /// <summary>The key type named at the start of a public key blob (e.g. ssh-ed25519, ssh-rsa).</summary>
    internal static string KeyType(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < 4)
        {
            return "unknown";
        }

        uint length = BinaryPrimitives.ReadUInt32BigEndian(blob);
        return length <= (uint)(blob.Length - 4) ? Encoding.ASCII.GetString(blob.Slice(4, (int)length)) : "unknown";
    }
}
