using System.Collections;
using System.Management.Automation.Language;
using DiskTools.Commands.Remoting;
using DiskTools.Engine.Btrfs;
using DiskTools.Engine.Remoting;

namespace DiskTools.Commands.Btrfs;

/// <summary>
/// Completes -Subvolume with the live top-level subvolume names of the filesystem the command targets
/// (honouring -ComputerName, -FileSystem, -SnapshotDirectory and the SSH parameters already typed).
/// Gives up quietly after a few seconds: completion must never hang the prompt.
/// </summary>
public sealed class BtrfsSubvolumeCompleter : IArgumentCompleter
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(8);

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string prefix = wordToComplete.Trim('\'', '"');
        try
        {
            using var timeout = new CancellationTokenSource(Budget);
            IReadOnlyList<BtrfsSubvolume> subvolumes = ListAsync(fakeBoundParameters, timeout.Token).WaitAsync(Budget).GetAwaiter().GetResult();
            string snapshotDirectory = SnapshotDirectory(fakeBoundParameters);
            return subvolumes
                .Where(s => s.Name.StartsWith(prefix, StringComparison.Ordinal))
                // The subvolume that holds the snapshots is where they go, not something to snapshot.
                .Where(s => s.MountPoint is null || !string.Equals(s.MountPoint.TrimEnd('/'), snapshotDirectory, StringComparison.Ordinal))
                .Select(s => new CompletionResult(Quote(s.Name), s.Name, CompletionResultType.ParameterValue, s.MountPoint is null ? $"{s.Name} (id {s.Id}, not mounted)" : $"{s.Name} (id {s.Id}) at {s.MountPoint}"))
                .ToArray();
        }
        catch (Exception e) when (e is DiskToolsException or TimeoutException or OperationCanceledException or IOException)
        {
            return [];
        }
    }

    private static async Task<IReadOnlyList<BtrfsSubvolume>> ListAsync(IDictionary bound, CancellationToken cancellationToken)
    {
        SshParameters ssh = SshParameters.FromBound(bound);
        await using ICommandExecutor executor = await BtrfsHostConnection.OpenAsync(
            SshParameters.Get<string>(bound, "ComputerName"), host => ssh.ToOptions(host, path => path), writer: null, cancellationToken).ConfigureAwait(false);
        var service = new BtrfsSnapshotService(executor, new SnapshotLocation
        {
            SnapshotDirectory = SnapshotDirectory(bound),
            FileSystem = SshParameters.Get<string>(bound, "FileSystem"),
        });
        return await service.ListSubvolumesAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string SnapshotDirectory(IDictionary bound)
        => (SshParameters.Get<string>(bound, "SnapshotDirectory") ?? SnapshotLocation.DefaultSnapshotDirectory).TrimEnd('/') is { Length: > 0 } path ? path : "/";

    /// <summary>Single-quotes names PowerShell would otherwise split or interpret.</summary>
    private static string Quote(string name)
        => name.Any(c => char.IsWhiteSpace(c) || "'\"`$;(){}[]@#,|&<>".Contains(c, StringComparison.Ordinal))
            ? "'" + name.Replace("'", "''", StringComparison.Ordinal) + "'"
            : name;
}
