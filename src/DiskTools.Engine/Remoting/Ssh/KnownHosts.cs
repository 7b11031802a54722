namespace DiskTools.Engine.Remoting.Ssh;

/// <summary>The verdict of looking a host key up in known_hosts files.</summary>
public enum HostKeyStatus
{
    /// <summary>A line for this host lists exactly this key.</summary>
    Trusted,

    /// <summary>No line names this host with a key of this type: never trusted silently.</summary>
    Unknown,

    /// <summary>The host is listed with a different key of the same type: possibly an attack.</summary>
    Changed,

    /// <summary>The key is marked @revoked.</summary>
    Revoked,
}

/// <summary>One usable line of a known_hosts file.</summary>
/// <param name="Marker">"@revoked", "@cert-authority" or null.</param>
/// <param name="HostPatterns">The first field: comma-separated patterns, or one hashed "|1|salt|hash" entry.</param>
/// <param name="KeyType">e.g. ssh-ed25519.</param>
/// <param name="Key">The public key blob.</param>
/// <param name="Source">file:line, for messages.</param>
public sealed record KnownHostEntry(string? Marker, string HostPatterns, string KeyType, byte[] Key, string Source)
{
    /// <summary>
    /// True when the entry names <paramref name="lookupName"/> — "host" for port 22, "[host]:port"
    /// otherwise, as OpenSSH writes them. Hashed entries are HMAC-SHA1(salt, name), base64.
    /// </summary>
    public bool Matches(string lookupName)
    {
        if (HostPatterns.StartsWith("|1|", StringComparison.Ordinal))
        {
            string[] parts = HostPatterns.Split('|');
            if (parts.Length != 4)
            {
                return false;
            }

            try
            {
                byte[] salt = Convert.FromBase64String(parts[2]);
                byte[] expected = Convert.FromBase64String(parts[3]);
                byte[] actual = HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes(lookupName));
                return CryptographicOperations.FixedTimeEquals(expected, actual);
            }
            catch (FormatException)
            {
                return false;
            }
        }

        return HostPattern.Matches(HostPatterns.Split(',', StringSplitOptions.RemoveEmptyEntries), lookupName);
    }
}

/// <summary>Reads known_hosts files and decides whether a host key may be trusted — never trusting an unknown key.</summary>
public static class KnownHosts
{
    /// <summary>The files OpenSSH consults when the config names none.</summary>
    public static IReadOnlyList<string> DefaultFiles =>
    [
        Path.Combine(SshPaths.HomeDirectory, ".ssh", "known_hosts"),
        Path.Combine(SshPaths.HomeDirectory, ".ssh", "known_hosts2"),
        "/etc/ssh/ssh_known_hosts",
        "/etc/ssh/ssh_known_hosts2",
    ];

    /// <summary>The name known_hosts stores for a host and port.</summary>
    public static string LookupName(string host, int port) => port == 22 ? host : $"[{host}]:{port}";

    public static IEnumerable<KnownHostEntry> Read(IEnumerable<string> files)
    {
        foreach (string file in files)
        {
            if (!File.Exists(file))
            {
                continue;
            }

            int number = 0;
            foreach (string line in File.ReadLines(file))
            {
                number++;
                if (ParseLine(line, $"{file}:{number}") is { } entry)
                {
                    yield return entry;
                }
            }
        }
    }

    /// <summary>Parses one line; null for comments, blanks and lines that are not host keys.</summary>
    public static KnownHostEntry? ParseLine(string line, string source)
    {
        string trimmed = line.Trim();
        if (trimmed.Length == 0 || trimmed.StartsWith('#'))
        {
            return null;
        }

        string[] fields = trimmed.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        string? marker = null;
        int at = 0;
        if (fields[0].StartsWith('@'))
        {
            marker = fields[0];
            at = 1;
        }

        if (fields.Length < at + 3)
        {
            return null;
        }

        try
        {
            return new KnownHostEntry(marker, fields[at], fields[at + 1], Convert.FromBase64String(fields[at + 2]), source);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Judges a presented key against the entries for <paramref name="lookupName"/>.</summary>
    public static HostKeyStatus Check(IEnumerable<KnownHostEntry> entries, string lookupName, string keyType, ReadOnlySpan<byte> key)
    {
        bool changed = false, trusted = false;
        foreach (KnownHostEntry entry in entries)
        {
            bool sameKey = key.SequenceEqual(entry.Key);
            if (string.Equals(entry.Marker, "@revoked", StringComparison.Ordinal))
            {
                if (sameKey)
                {
                    return HostKeyStatus.Revoked; // revoked wherever it appears, whatever host it names
                }

                continue;
            }

            if (entry.Marker is not null || !entry.Matches(lookupName))
            {
                continue; // certificate authorities are not supported: such hosts stay unknown
            }

            if (sameKey)
            {
                trusted = true;
            }
            else if (string.Equals(entry.KeyType, keyType, StringComparison.Ordinal))
            {
                changed = true;
            }
        }

        return trusted ? HostKeyStatus.Trusted : changed ? HostKeyStatus.Changed : HostKeyStatus.Unknown;
    }
}
