using DiskTools.Engine.Remoting.Ssh;

namespace DiskTools.Engine.Sync.Jobs;

/// <summary>
/// rsync's own ssh, bound to the session's connection: a private directory (mode 0700) holds an ssh_config
/// naming one host alias with the HostName, Port, User and keys the session's SSH connection resolved and
/// used, and a known_hosts file listing only the host key that connection verified (whether through
/// known_hosts or a pinned -HostKeyFingerprint), with StrictHostKeyChecking yes. rsync runs
/// <c>ssh -F &lt;that file&gt;</c> and reaches nothing else: the user's ssh_config was resolved once, by OpenSSH,
/// for both channels, and a host presenting any other key is refused.
/// </summary>
public sealed class RsyncTransport : IDisposable
{
    /// <summary>The only host the generated config defines.</summary>
    public const string HostAlias = "disktools-target";

    private RsyncTransport(string directory)
    {
        Directory = directory;
    }

    /// <summary>The private directory holding ssh_config and known_hosts.</summary>
    public string Directory { get; }

    public string ConfigPath => Path.Combine(Directory, "ssh_config");

    public string KnownHostsPath => Path.Combine(Directory, "known_hosts");

    /// <summary>The script rsync runs as its remote shell when its start is gated (see <see cref="GatedRemoteShell"/>).</summary>
    public string GatedShellPath => Path.Combine(Directory, "gated-ssh");

    /// <summary>The -e value for rsync: ssh with nothing but the generated config (double-quoted when $TMPDIR holds a space: rsync splits -e itself).</summary>
    public string RemoteShell => "ssh -F " + Word(ConfigPath);

    /// <summary>
    /// The -e value for an rsync whose start <paramref name="gate"/> holds back: the same ssh, logging in at
    /// once, with rsync's first bytes held back locally until the gate opens. Run through sh, so a temporary
    /// directory mounted noexec does not matter. The remote command must begin by reading one line (see
    /// FolderSyncJob's rsync path): that line is the only thing sent before the gate opens.
    /// </summary>
    public string GatedRemoteShell(RsyncStartGate gate) => "sh " + Word(GatedShellPath) + " " + Word(gate.Path);

    /// <summary>A new, shut gate in the transport's private directory, named by <paramref name="name"/> (letters, digits, '-').</summary>
    public RsyncStartGate CreateGate(string name) => RsyncStartGate.Create(Path.Combine(Directory, "gate-" + name));

    private static string Word(string path) => path.Any(char.IsWhiteSpace) ? "\"" + path + "\"" : path;

    /// <summary>The host part of rsync's "host:path".</summary>
    public string HostSpec => HostAlias;

    /// <summary>Why this connection cannot be used by rsync's ssh, or null when it can.</summary>
    public static string? Unsupported(SshConnectionOptions options, SshEndpoint? endpoint)
        => options.Credential?.Password is { Length: > 0 } && (endpoint is null ? options.IdentityFiles.Count == 0 : endpoint.IdentityFiles.Count == 0 && endpoint.AgentSocket is null)
            ? "rsync's ssh cannot use a password credential; set up key authentication (identity file or ssh-agent)"
            : null;

    /// <summary>Writes the transport for a connected session.</summary>
    /// <exception cref="DiskToolsException">SyncTransportUnavailable: no verified key yet, or a path ssh_config cannot carry.</exception>
    public static RsyncTransport Create(SshEndpoint endpoint, (string KeyType, byte[] Blob)? hostKey, string hostname)
    {
        if (hostKey is not { } key)
        {
            throw Unavailable(hostname, "the session's connection has verified no host key");
        }

        var config = new StringBuilder();
        config.Append("Host ").Append(HostAlias).Append('\n');
        void Option(string name, string value) => config.Append("    ").Append(name).Append(' ').Append(value).Append('\n');
        Option("HostName", Value(endpoint.HostName, hostname));
        Option("Port", endpoint.Port.ToString(CultureInfo.InvariantCulture));
        Option("User", Value(endpoint.User, hostname));
        Option("IdentitiesOnly", "yes");
        foreach (string identity in endpoint.IdentityFiles)
        {
            Option("IdentityFile", Value(identity, hostname));
        }

        Option("IdentityAgent", endpoint.AgentSocket is { } agent ? Value(agent, hostname) : "none");
        Option("HostKeyAlias", HostAlias);
        Option("HostKeyAlgorithms", key.KeyType == "ssh-rsa" ? "rsa-sha2-512,rsa-sha2-256,ssh-rsa" : key.KeyType);
        Option("StrictHostKeyChecking", "yes");
        Option("UpdateHostKeys", "no");
        Option("CheckHostIP", "no");
        Option("BatchMode", "yes");
        Option("PasswordAuthentication", "no");
        Option("KbdInteractiveAuthentication", "no");
        Option("ControlMaster", "no");
        Option("ControlPath", "none");
        Option("ProxyCommand", "none");
        Option("ClearAllForwardings", "yes");
        Option("ForwardAgent", "no");
        Option("ConnectTimeout", ((int)Math.Ceiling(endpoint.ConnectTimeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture));
        Option("ServerAliveInterval", ((int)Math.Max(0, Math.Ceiling(endpoint.KeepAlive.TotalSeconds))).ToString(CultureInfo.InvariantCulture));
        Option("ServerAliveCountMax", "2");
        Option("LogLevel", "ERROR");

        if (Path.GetTempPath().Any(c => c is '"' or '\'' or '\n' or '\r'))
        {
            throw Unavailable(hostname, $"the temporary directory '{Path.GetTempPath()}' holds a quote or line break, which rsync's -e option cannot carry");
        }

        DirectoryInfo directory = System.IO.Directory.CreateTempSubdirectory("disktools-rsync-ssh-");
        var transport = new RsyncTransport(directory.FullName);
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(directory.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            Option("UserKnownHostsFile", Value(transport.KnownHostsPath, hostname));
            Option("GlobalKnownHostsFile", "none");
            string line = key.KeyType + " " + Convert.ToBase64String(key.Blob);
            WritePrivate(transport.KnownHostsPath, $"{HostAlias} {line}\n[{HostAlias}]:{endpoint.Port.ToString(CultureInfo.InvariantCulture)} {line}\n");
            WritePrivate(transport.ConfigPath, config.ToString());
            WritePrivate(transport.GatedShellPath, GatedShell(transport.ConfigPath));
            return transport;
        }
        catch
        {
            transport.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: it only ever held a public key and a config.
        }
    }

    /// <summary>
    /// The gated remote shell. It becomes ssh, which logs in at once; ssh's stdin is a FIFO (private, removed
    /// as soon as both ends are open) fed by a background group that first waits for a shared flock on the
    /// gate file ($1). Only when the file then says "go" does the group send the line the target's shell
    /// waits for, then become cat, passing rsync's bytes on. A gate released without "go" (a session that
    /// stopped or died before its transfer) ends the group: ssh reads end-of-file, so does the target's shell,
    /// which ends without starting rsync's server. ssh itself is the process rsync waits for, so the session
    /// ends when ssh does; cat ends with rsync's pipe.
    /// </summary>
    private static string GatedShell(string configPath) => $$"""
        gate=$1
        shift
        mkfifo -m 600 -- "$gate.fifo" || exit 255
        exec 3<&0
        { rm -f -- "$gate.fifo"; flock -s "$gate" true && [ "$(cat -- "$gate")" = go ] && printf '\n' && exec cat <&3; } > "$gate.fifo" &
        exec ssh -F {{Remoting.ShellQuote.Quote(configPath)}} "$@" < "$gate.fifo" 3<&-

        """;

    private static void WritePrivate(string path, string text)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        stream.Write(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>One ssh_config value: double-quoted, with '%' doubled (ssh expands %-tokens in these).</summary>
    private static string Value(string value, string hostname)
    {
        if (value.Any(c => c is '"' or '\n' or '\r' or '\0'))
        {
            throw Unavailable(hostname, $"'{value.ReplaceLineEndings("\\n")}' holds a quote or line break, which an ssh_config value cannot carry");
        }

        return "\"" + value.Replace("%", "%%", StringComparison.Ordinal) + "\"";
    }

    private static DiskToolsException Unavailable(string hostname, string why)
        => new(ErrorIds.SyncTransportUnavailable, ErrorKind.InvalidArgument, $"rsync's ssh to {hostname} cannot be set up: {why}.", hostname);
}
