using Renci.SshNet;
using Renci.SshNet.Common;

namespace DiskTools.Engine.Remoting.Ssh;

/// <summary>Where a connection went, as resolved once for both SSH.NET and OpenSSH (rsync's transport).</summary>
/// <param name="HostName">The address or name actually connected to.</param>
/// <param name="Port">The port.</param>
/// <param name="User">The login user.</param>
/// <param name="IdentityFiles">The private key files offered, in order.</param>
/// <param name="AgentSocket">The ssh-agent socket whose keys were offered, or null.</param>
/// <param name="ConnectTimeout">TCP and handshake timeout.</param>
/// <param name="KeepAlive">Keepalive interval (zero: none).</param>
public sealed record SshEndpoint(string HostName, int Port, string User, IReadOnlyList<string> IdentityFiles, string? AgentSocket, TimeSpan ConnectTimeout, TimeSpan KeepAlive);

/// <summary>Turns <see cref="SshConnectionOptions"/> plus ssh_config into SSH.NET connection settings.</summary>
internal static class SshConnectionFactory
{
    private static readonly string[] DefaultIdentities = ["id_ed25519", "id_ecdsa", "id_rsa"];

    public static T Create<T>(SshConnectionOptions options, Func<ConnectionInfo, HostKeyVerifier, TimeSpan, string, SshEndpoint, T> build)
    {
        ExecutorErrors.ValidateHostName(options.Host);
        (string? userFromHost, string alias) = SplitUser(options.Host);
        string? requestedUser = FirstNonEmpty(options.UserName, userFromHost, options.Credential?.UserName);
        if (options.ConfigPath is { } explicitConfig && !File.Exists(explicitConfig))
        {
            throw new DiskToolsException(ErrorIds.InvalidSshConfig, ErrorKind.ObjectNotFound, $"The ssh config file '{explicitConfig}' does not exist.", explicitConfig);
        }

        // OpenSSH's own resolution, the one rsync's ssh applies too. Without an ssh client there is nobody to ask:
        // the host is then reached with the given options and OpenSSH's defaults, and an explicit config is refused.
        SshHostConfig config = OpenSshConfig.TryResolve(alias, options.ConfigPath, options.Port, requestedUser, options.IdentityFiles)
            ?? Unconfigured(alias, options.ConfigPath, withDefaultKeys: options.IdentityFiles.Count == 0);
        if (config.ProxyCommand is not null || config.ProxyJump is not null)
        {
            throw new DiskToolsException(ErrorIds.InvalidSshConfig, ErrorKind.InvalidArgument,
                $"The ssh config routes '{alias}' through {(config.ProxyJump is not null ? "ProxyJump " + config.ProxyJump : "a ProxyCommand")}, which DiskTools cannot follow; connect to the host directly.", alias);
        }

        int port = options.Port ?? config.Port ?? 22;
        string user = FirstNonEmpty(requestedUser, config.User) ?? Environment.UserName;
        string target = $"{user}@{config.HostName}:{port}";

        if (options.HostKeyFingerprint is { } pinned && !HostKeyFingerprint.IsWellFormed(pinned))
        {
            throw new DiskToolsException(ErrorIds.SshHostKeyMismatch, ErrorKind.InvalidArgument,
                $"'{pinned}' is not a SHA256 host key fingerprint (expected SHA256:<43 base64 characters>, as ssh-keygen -lf prints).", pinned);
        }

        var methods = new List<AuthenticationMethod>();
        var keySources = new List<IPrivateKeySource>();
        string? passphrase = options.Credential?.Password is { Length: > 0 } p ? p : null;
        var offered = new List<string>();
        foreach (string file in options.IdentityFiles)
        {
            if (!File.Exists(file))
            {
                throw new DiskToolsException(ErrorIds.SshIdentityFileNotFound, ErrorKind.ObjectNotFound, $"The identity file '{file}' does not exist.", file);
            }

            AddKey(keySources, file, passphrase, explicitlyNamed: true);
            offered.Add(file);
        }

        // ssh -G lists the -i files and, when nothing is configured, OpenSSH's defaults.
        foreach (string file in config.IdentityFiles.Where(File.Exists).Where(f => !offered.Contains(f, StringComparer.Ordinal)))
        {
            if (AddKey(keySources, file, passphrase, explicitlyNamed: false))
            {
                offered.Add(file);
            }
        }

        string? agentSocket = null;
        if (options.UseAgent && !config.IdentitiesOnly)
        {
            string? socket = config.IdentityAgent ?? Environment.GetEnvironmentVariable("SSH_AUTH_SOCK");
            if (socket != "none" && SshAgentKeySource.TryOpen(socket) is { } agent)
            {
                keySources.Add(agent);
                agentSocket = socket;
            }
        }

        if (keySources.Count > 0)
        {
            methods.Add(new PrivateKeyAuthenticationMethod(user, keySources.ToArray()));
        }

        if (passphrase is not null)
        {
            methods.Add(new PasswordAuthenticationMethod(user, passphrase));
            var interactive = new KeyboardInteractiveAuthenticationMethod(user);
            interactive.AuthenticationPrompt += (_, e) =>
            {
                foreach (AuthenticationPrompt prompt in e.Prompts)
                {
                    prompt.Response = passphrase;
                }
            };
            methods.Add(interactive);
        }

        if (methods.Count == 0)
        {
            throw new DiskToolsException(ErrorIds.SshAuthenticationFailed, ErrorKind.SecurityError,
                $"No way to authenticate to {target}: no identity file, no ssh-agent key and no credential.", target);
        }

        var info = new ConnectionInfo(config.HostName, port, user, methods.ToArray())
        {
            Timeout = options.ConnectTimeout ?? config.ConnectTimeout ?? TimeSpan.FromSeconds(15),
            Encoding = Encoding.UTF8,
            RetryAttempts = 1,
        };

        IReadOnlyList<string> knownHosts = options.KnownHostsFiles
            ?? (config.UserKnownHostsFiles.Count > 0 || config.GlobalKnownHostsFiles.Count > 0
                ? [.. config.UserKnownHostsFiles, .. config.GlobalKnownHostsFiles]
                : KnownHosts.DefaultFiles);
        var verifier = new HostKeyVerifier(KnownHosts.LookupName(config.HostKeyAlias ?? config.HostName, port), options.HostKeyFingerprint, knownHosts);
        TimeSpan keepAlive = options.KeepAliveInterval ?? config.ServerAliveInterval ?? TimeSpan.FromSeconds(15);
        var endpoint = new SshEndpoint(config.HostName, port, user, offered, agentSocket, info.Timeout, keepAlive);
        return build(info, verifier, keepAlive, target, endpoint);
    }

    private static SshHostConfig Unconfigured(string alias, string? configPath, bool withDefaultKeys)
    {
        if (configPath is not null)
        {
            throw new DiskToolsException(ErrorIds.InvalidSshConfig, ErrorKind.NotInstalled,
                $"Reading the ssh config '{configPath}' needs the OpenSSH client (ssh), which is not installed.", configPath);
        }

        return new SshHostConfig
        {
            Alias = alias,
            HostName = alias,
            IdentityFiles = withDefaultKeys ? [.. DefaultIdentities.Select(n => Path.Combine(SshPaths.HomeDirectory, ".ssh", n))] : [],
        };
    }

    private static bool AddKey(List<IPrivateKeySource> keys, string file, string? passphrase, bool explicitlyNamed)
    {
        try
        {
            keys.Add(passphrase is null ? new PrivateKeyFile(file) : new PrivateKeyFile(file, passphrase));
            return true;
        }
        catch (Exception e) when (e is SshPassPhraseNullOrEmptyException or SshException or IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            if (explicitlyNamed)
            {
                throw new DiskToolsException(ErrorIds.SshAuthenticationFailed, ErrorKind.SecurityError,
                    $"Cannot use the identity file '{file}': {e.Message} (an encrypted key needs its passphrase as the credential's password).", file, e);
            }

            // A default or configured key we cannot open is skipped, as ssh does.
            return false;
        }
    }

    private static (string? User, string Host) SplitUser(string host)
    {
        int at = host.LastIndexOf('@');
        return at > 0 ? (host[..at], host[(at + 1)..]) : (null, host);
    }

    private static string? FirstNonEmpty(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrEmpty(v));
}
