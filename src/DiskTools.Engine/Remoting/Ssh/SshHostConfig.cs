namespace DiskTools.Engine.Remoting.Ssh;

/// <summary>The settings OpenSSH applies to one host (<see cref="OpenSshConfig"/>): what every channel to it uses.</summary>
public sealed record SshHostConfig
{
    /// <summary>The name the user typed (an alias or a real host name).</summary>
    public required string Alias { get; init; }

    /// <summary>Where to connect: HostName, or the alias itself.</summary>
    public required string HostName { get; init; }

    public int? Port { get; init; }

    public string? User { get; init; }

    /// <summary>IdentityFile entries in order, with ~ and %-tokens expanded.</summary>
    public IReadOnlyList<string> IdentityFiles { get; init; } = [];

    /// <summary>UserKnownHostsFile entries (expanded); empty means the default files.</summary>
    public IReadOnlyList<string> UserKnownHostsFiles { get; init; } = [];

    /// <summary>GlobalKnownHostsFile entries (expanded); empty means /etc/ssh/ssh_known_hosts.</summary>
    public IReadOnlyList<string> GlobalKnownHostsFiles { get; init; } = [];

    /// <summary>HostKeyAlias: the name to look up in known_hosts instead of the host name.</summary>
    public string? HostKeyAlias { get; init; }

    /// <summary>IdentitiesOnly yes: use only the configured identity files, not every key the agent holds.</summary>
    public bool IdentitiesOnly { get; init; }

    /// <summary>IdentityAgent: the agent socket (expanded), or "none".</summary>
    public string? IdentityAgent { get; init; }

    /// <summary>ServerAliveInterval, used as the keepalive interval.</summary>
    public TimeSpan? ServerAliveInterval { get; init; }

    /// <summary>ConnectTimeout.</summary>
    public TimeSpan? ConnectTimeout { get; init; }

    /// <summary>ProxyCommand, when one applies (DiskTools cannot follow it and refuses the host).</summary>
    public string? ProxyCommand { get; init; }

    /// <summary>ProxyJump, when one applies (DiskTools cannot follow it and refuses the host).</summary>
    public string? ProxyJump { get; init; }
}
