using System.Management.Automation;
using DiskTools.Engine.Output;
using DiskTools.Engine.Remoting;
using DiskTools.Engine.Remoting.Ssh;

namespace DiskTools.Commands.Btrfs;

/// <summary>How the btrfs cmdlets reach a host: this machine, or SSH with the user's connection parameters.</summary>
internal sealed record BtrfsHostConnection(
    string? ComputerName,
    int? Port,
    PSCredential? Credential,
    string? SshConfigPath,
    string[]? IdentityFile,
    string? HostKeyFingerprint)
{
    /// <summary>Opens an executor; connection events go to the verbose stream when a writer is given.</summary>
    public async Task<ICommandExecutor> OpenAsync(string? computerName, IOutputWriter? writer, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(computerName))
        {
            return new LocalExecutor();
        }

        var options = new SshConnectionOptions
        {
            Host = computerName,
            Port = Port,
            Credential = Credential?.GetNetworkCredential(),
            UserName = string.IsNullOrEmpty(Credential?.UserName) ? null : Credential.UserName,
            ConfigPath = SshConfigPath,
            IdentityFiles = IdentityFile ?? [],
            HostKeyFingerprint = HostKeyFingerprint,
        };
        SshExecutor executor = await SshExecutor.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        if (writer is not null)
        {
            writer.WriteVerbose($"Connected to {executor.Target} (host key {executor.HostKeyFingerprint}, round trip {executor.LastRoundTrip?.TotalMilliseconds:0.#} ms).");
            executor.ConnectionChanged += (_, change) => writer.WriteVerbose(change.ToString());
        }

        return executor;
    }
}
