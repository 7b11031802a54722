using System.Net;

namespace DiskTools.Engine.Remoting.Ssh;

/// <summary>How to reach a host over SSH. Values left null come from the ssh_config file, then from OpenSSH's defaults.</summary>
public sealed record SshConnectionOptions
{
    /// <summary>A host name, an address, or a Host alias from the ssh_config file; "user@host" is accepted too.</summary>
    public required string Host { get; init; }

    public int? Port { get; init; }

    public string? UserName { get; init; }

    /// <summary>
    /// A password for password (and keyboard-interactive) authentication, also tried as the passphrase of
    /// encrypted identity files. Passwords are never taken as plain strings anywhere else.
    /// </summary>
    public NetworkCredential? Credential { get; init; }

    /// <summary>Identity files tried before those from the config file.</summary>
    public IReadOnlyList<string> IdentityFiles { get; init; } = [];

    /// <summary>The ssh_config file; null means ~/.ssh/config (missing is fine), an explicit path must exist.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>known_hosts files to trust; null means the config's UserKnownHostsFile/GlobalKnownHostsFile, or OpenSSH's defaults.</summary>
    public IReadOnlyList<string>? KnownHostsFiles { get; init; }

    /// <summary>Pins the host key: "SHA256:…" as ssh-keygen -l prints it. When set, known_hosts is not consulted.</summary>
    public string? HostKeyFingerprint { get; init; }

    /// <summary>Use keys held by ssh-agent ($SSH_AUTH_SOCK or the config's IdentityAgent).</summary>
    public bool UseAgent { get; init; } = true;

    /// <summary>How long to wait for the TCP connection and the SSH handshake; null: ConnectTimeout from the config, else 15 s.</summary>
    public TimeSpan? ConnectTimeout { get; init; }

    /// <summary>Interval of SSH keepalive messages; null: ServerAliveInterval from the config, else 15 s. Zero disables them.</summary>
    public TimeSpan? KeepAliveInterval { get; init; }

    /// <summary>How often to measure the round trip and report it (<see cref="ConnectionState.Alive"/>); null disables the probe.</summary>
    public TimeSpan? LatencyProbeInterval { get; init; }

    /// <summary>
    /// Opens, while connecting, a channel for the first long-running command (<see cref="SshExecutor.StartAsync"/>),
    /// so its login — the user's rc files — runs alongside the control shell's instead of when the command is due.
    /// </summary>
    public bool PrepareChannel { get; init; }

    /// <summary>How many times a lost connection is re-established before commands fail.</summary>
    public int ReconnectAttempts { get; init; } = 3;
}

/// <summary>The states a connection reports.</summary>
public enum ConnectionState
{
    Connected,
    Disconnected,
    Reconnecting,

    /// <summary>A periodic probe found the connection alive; carries the measured round trip.</summary>
    Alive,
}

/// <summary>A change in an SSH connection's state.</summary>
/// <param name="State">What happened.</param>
/// <param name="Target">user@host:port.</param>
/// <param name="RoundTrip">Measured command round trip (Connected, Alive, and Reconnecting: the last one measured); null when unknown.</param>
/// <param name="Attempt">For Reconnecting: 1, 2, …; otherwise 0.</param>
/// <param name="Reason">For Disconnected: why, when known.</param>
public sealed record ConnectionEvent(ConnectionState State, string Target, TimeSpan? RoundTrip, int Attempt = 0, string? Reason = null)
{
    public override string ToString() => State switch
    {
        ConnectionState.Connected => $"Connected to {Target} (round trip {Format(RoundTrip)}).",
        ConnectionState.Alive => $"{Target} is alive (round trip {Format(RoundTrip)}).",
        ConnectionState.Reconnecting => $"Reconnecting to {Target}, attempt {Attempt} (last round trip {Format(RoundTrip)}).",
        _ => $"Disconnected from {Target}{(Reason is null ? "." : ": " + Reason)}",
    };

    private static string Format(TimeSpan? roundTrip) => roundTrip is { } rtt ? $"{rtt.TotalMilliseconds:0.#} ms" : "unknown";
}
