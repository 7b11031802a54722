namespace DiskTools.Engine.Remoting.Ssh;

/// <summary>SHA256 fingerprints in the form <c>ssh-keygen -l</c> prints: "SHA256:" + unpadded base64.</summary>
public static class HostKeyFingerprint
{
    public const string Prefix = "SHA256:";

    /// <summary>The fingerprint of a public key blob (the decoded base64 of a known_hosts key).</summary>
    public static string Compute(ReadOnlySpan<byte> publicKeyBlob)
        => Prefix + Convert.ToBase64String(SHA256.HashData(publicKeyBlob)).TrimEnd('=');

    /// <summary>
    /// Compares a fingerprint the user typed with a computed one. Accepts it with or without the "SHA256:"
    /// prefix and with or without base64 padding; base64 is case-sensitive, so the comparison is too.
    /// </summary>
    public static bool Matches(string expected, string actual)
        => string.Equals(Normalize(expected), Normalize(actual), StringComparison.Ordinal);

    /// <summary>True when the text can be a SHA256 fingerprint (32 bytes of base64).</summary>
    public static bool IsWellFormed(string fingerprint)
    {
        string body = Normalize(fingerprint)[Prefix.Length..];
        int pad = (4 - (body.Length % 4)) % 4;
        Span<byte> buffer = stackalloc byte[64];
        return Convert.TryFromBase64String(body + new string('=', pad), buffer, out int written) && written == 32;
    }

    private static string Normalize(string fingerprint)
    {
        string trimmed = fingerprint.Trim();
        if (trimmed.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            trimmed = trimmed[Prefix.Length..];
        }

        return Prefix + trimmed.TrimEnd('=');
    }
}
