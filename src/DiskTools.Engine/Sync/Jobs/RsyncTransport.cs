using System.Globalization;
using DiskTools.Engine.Remoting.Ssh;

namespace DiskTools.Engine.Sync.Jobs;

/// <summary>
/// Builds rsync's remote shell (-e) from the session's SSH options, so rsync reaches the same host as the
/// session with the same identity and the same host-key checks — never weaker: BatchMode (no prompts)
/// and StrictHostKeyChecking=yes (an unknown key fails instead of being learned).
/// </summary>
public static class RsyncTransport
{
    /// <summary>Why this connection cannot be used by rsync's ssh, or null when it can.</summary>
    public static string? Unsupported(SshConnectionOptions options)
    {
        if (options.Credential?.Password is { Length: > 0 } && options.IdentityFiles.Count == 0 && Environment.GetEnvironmentVariable("SSH_AUTH_SOCK") is null)
        {
            return "rsync's ssh cannot use a password credential; set up key authentication (identity file or ssh-agent)";
        }

        if (options.HostKeyFingerprint is not null)
        {
            return "rsync's ssh checks host keys against known_hosts only; a pinned fingerprint (-HostKeyFingerprint) cannot be passed on — add the key to known_hosts instead";
        }

        IEnumerable<string?> words = [options.ConfigPath, options.Host, options.UserName, .. options.IdentityFiles, .. options.KnownHostsFiles ?? []];
        return words.Any(w => w is not null && (w.Contains('\'', StringComparison.Ordinal) || w.Contains('"', StringComparison.Ordinal)))
            ? "rsync's -e option cannot carry quote characters in the host, user, ssh_config, identity or known_hosts paths"
            : null;
    }

    /// <summary>The -e value: ssh and its options as one string, words with spaces in double quotes (rsync's own splitting rules).</summary>
    public static string RemoteShell(SshConnectionOptions options)
    {
        var words = new List<string> { "ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=2" };
        if (options.ConfigPath is { } config)
        {
            words.AddRange(["-F", config]);
        }

        if (options.Port is int port)
        {
            words.AddRange(["-p", port.ToString(CultureInfo.InvariantCulture)]);
        }

        string? user = options.UserName ?? options.Credential?.UserName;
        if (!string.IsNullOrEmpty(user))
        {
            words.AddRange(["-l", user]);
        }

        foreach (string identity in options.IdentityFiles)
        {
            words.AddRange(["-i", identity]);
        }

        if (options.KnownHostsFiles is { Count: > 0 } known)
        {
            words.AddRange(["-o", "UserKnownHostsFile=" + string.Join(' ', known), "-o", "GlobalKnownHostsFile=/dev/null"]);
        }

        if (options.ConnectTimeout is TimeSpan timeout)
        {
            words.AddRange(["-o", "ConnectTimeout=" + ((int)Math.Ceiling(timeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture)]);
        }

        return string.Join(' ', words.Select(w => w.Contains(' ', StringComparison.Ordinal) ? "\"" + w + "\"" : w));
    }

    /// <summary>The host part of "host:path" (the name or alias the session connected to).</summary>
    public static string HostSpec(SshConnectionOptions options) => options.Host;
}
