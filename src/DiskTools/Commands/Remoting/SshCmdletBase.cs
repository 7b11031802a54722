using DiskTools.Engine.Remoting.Ssh;

namespace DiskTools.Commands.Remoting;

/// <summary>
/// The SSH connection parameters of every cmdlet that reaches another host, declared once so that they
/// mean the same everywhere and are resolved one way into the engine's <see cref="SshConnectionOptions"/>.
/// </summary>
public abstract class SshCmdletBase : AsyncPSCmdlet
{
    /// <summary>The SSH port; overrides the ssh config (default from there, else 22).</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int Port { get; set; }

    /// <summary>User name and password for SSH (password authentication, or the passphrase of an encrypted key).</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>The ssh_config file to read instead of ~/.ssh/config.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SshConfigPath { get; set; }

    /// <summary>Private key files to offer first.</summary>
    [Parameter]
    [Alias("KeyFilePath")]
    [ValidateNotNullOrEmpty]
    public string[]? IdentityFile { get; set; }

    /// <summary>known_hosts files to verify the host key against, instead of the config's or OpenSSH's defaults.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? KnownHostsFile { get; set; }

    /// <summary>Pins the host key ("SHA256:…" as ssh-keygen -l prints it) instead of consulting known_hosts.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? HostKeyFingerprint { get; set; }

    /// <summary>The bound parameters as connection options for <paramref name="host"/>, local files resolved against the current location.</summary>
    protected SshConnectionOptions ConnectionOptionsFor(string host)
        => new SshParameters(Port > 0 ? Port : null, Credential, SshConfigPath, IdentityFile, KnownHostsFile, HostKeyFingerprint)
            .ToOptions(host, path => PathResolver.ResolveLocalFile(this, path));
}
