using DiskTools.Engine.Remoting;
using DiskTools.Engine.Remoting.Ssh;

namespace DiskTools.Commands.Btrfs;

/// <summary>How the btrfs cmdlets and their completer reach a host: this machine, or SSH with the given options.</summary>
internal static class BtrfsHostConnection
{
    /// <summary>Opens an executor; connection events go to the verbose stream when a writer is given.</summary>
    public static async Task<ICommandExecutor> OpenAsync(string? computerName, Func<string, SshConnectionOptions> optionsFor, IOutputWriter? writer, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(computerName))
        {
            return new LocalExecutor();
        }

        SshExecutor executor = await SshExecutor.ConnectAsync(optionsFor(computerName), cancellationToken).ConfigureAwait(false);
        if (writer is not null)
        {
            writer.WriteVerbose($"Connected to {executor.Target} (host key {executor.HostKeyFingerprint}, round trip {executor.LastRoundTrip?.TotalMilliseconds:0.#} ms).");
            executor.ConnectionChanged += (_, change) => writer.WriteVerbose(change.ToString());
        }

        return executor;
    }
}
