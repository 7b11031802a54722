using System.Text;
using DiskTools.Engine.Output;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace DiskTools.Engine.Remoting.Ssh;

/// <summary>Turns <see cref="SshConnectionOptions"/> plus ssh_config into SSH.NET connection settings.</summary>
internal static class SshConnectionFactory
{
    private static readonly string[] DefaultIdentities = ["id_ed25519", "id_ecdsa", "id_rsa"];

    public static T Create<T>(SshConnectionOptions options, Func<ConnectionInfo, HostKeyVerifier, TimeSpan, string, T> build)
    {
        (string? userFromHost, string alias) = SplitUser(options.Host);
        SshHostConfig config = SshConfigFile.Resolve(alias, options.ConfigPath);
        int port = options.Port ?? config.Port ?? 22;
        string user = FirstNonEmpty(options.UserName, userFromHost, options.Credential?.UserName, config.User) ?? Environment.UserName;
        string target = $"{user}@{config.HostName}:{port}";

        if (options.HostKeyFingerprint is { } pinned && !HostKeyFingerprint.IsWellFormed(pinned))
        {
            throw new DiskToolsException(ExecutorErrors.HostKeyMismatch, ErrorKind.InvalidArgument,
                $"'{pinned}' is not a SHA256 host key fingerprint (expected SHA256:<43 base64 characters>, as ssh-keygen -lf prints).", pinned);
        }

        var methods = new List<AuthenticationMethod>();
        var keySources = new List<IPrivateKeySource>();
        string? passphrase = options.Credential?.Password is { Length: > 0 } p ? p : null;
        foreach (string file in options.IdentityFiles)
        {
            if (!File.Exists(file))
            {
                throw new DiskToolsException("SshIdentityFileNotFound", ErrorKind.ObjectNotFound, $"The identity file '{file}' does not exist.", file);
            }

            AddKey(keySources, file, passphrase, explicitlyNamed: true);
        }

        IEnumerable<string> configured = config.IdentityFiles.Count > 0 || options.IdentityFiles.Count > 0
            ? config.IdentityFiles
            : DefaultIdentities.Select(n => Path.Combine(SshConfigFile.HomeDirectory, ".ssh", n));
        foreach (string file in configured.Where(File.Exists))
        {
            AddKey(keySources, file, passphrase, explicitlyNamed: false);
        }

        if (options.UseAgent && !config.IdentitiesOnly)
        {
            string? socket = config.IdentityAgent ?? Environment.GetEnvironmentVariable("SSH_AUTH_SOCK");
            if (SshAgentKeySource.TryOpen(socket) is { } agent)
            {
                keySources.Add(agent);
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
            throw new DiskToolsException(ExecutorErrors.AuthenticationFailed, ErrorKind.SecurityError,
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
        return build(info, verifier, keepAlive, target);
    }

    private static void AddKey(List<IPrivateKeySource> keys, string file, string? passphrase, bool explicitlyNamed)
    {
        try
        {
            keys.Add(passphrase is null ? new PrivateKeyFile(file) : new PrivateKeyFile(file, passphrase));
        }
        catch (Exception e) when (e is SshPassPhraseNullOrEmptyException or SshException or IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            if (explicitlyNamed)
            {
                throw new DiskToolsException(ExecutorErrors.AuthenticationFailed, ErrorKind.SecurityError,
                    $"Cannot use the identity file '{file}': {e.Message} (an encrypted key needs its passphrase as the credential's password).", file, e);
            }

            // A default or configured key we cannot open is skipped, as ssh does.
        }
    }

    private static (string? User, string Host) SplitUser(string host)
    {
        int at = host.LastIndexOf('@');
        return at > 0 ? (host[..at], host[(at + 1)..]) : (null, host);
    }

    private static string? FirstNonEmpty(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrEmpty(v));
}
