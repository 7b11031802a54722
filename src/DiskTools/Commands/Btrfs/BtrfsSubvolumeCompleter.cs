using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using DiskTools.Engine.Btrfs;
using DiskTools.Engine.Output;
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
        var connection = new BtrfsHostConnection(
            Get<string>(bound, "ComputerName"),
            bound.Contains("Port") ? Convert.ToInt32(bound["Port"], System.Globalization.CultureInfo.InvariantCulture) : null,
            Get<PSCredential>(bound, "Credential"),
            Get<string>(bound, "SshConfigPath"),
            Strings(bound, "IdentityFile"),
            Get<string>(bound, "HostKeyFingerprint"));
        await using ICommandExecutor executor = await connection.OpenAsync(connection.ComputerName, writer: null, cancellationToken).ConfigureAwait(false);
        var service = new BtrfsSnapshotService(executor, new SnapshotLocation
        {
            SnapshotDirectory = SnapshotDirectory(bound),
            FileSystem = Get<string>(bound, "FileSystem"),
        });
        return await service.ListSubvolumesAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string SnapshotDirectory(IDictionary bound)
        => (Get<string>(bound, "SnapshotDirectory") ?? SnapshotLocation.DefaultSnapshotDirectory).TrimEnd('/') is { Length: > 0 } path ? path : "/";

    /// <summary>
    /// A string[] parameter as typed so far: the parser hands completers a lone string for one value and an
    /// object[] for a list, never the string[] the parameter binds to.
    /// </summary>
    private static string[]? Strings(IDictionary bound, string name)
    {
        object? value = Unwrap(bound.Contains(name) ? bound[name] : null);
        return value switch
        {
            null => null,
            string one => [one],
            IEnumerable many => [.. many.Cast<object?>().Select(v => Unwrap(v)?.ToString()).OfType<string>()],
            _ => [value.ToString()!],
        };
    }

    private static T? Get<T>(IDictionary bound, string name) where T : class
        => bound.Contains(name) ? Unwrap(bound[name]) as T : null;

    private static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;

    /// <summary>Single-quotes names PowerShell would otherwise split or interpret.</summary>
    private static string Quote(string name)
        => name.Any(c => char.IsWhiteSpace(c) || "'\"`$;(){}[]@#,|&<>".Contains(c, StringComparison.Ordinal))
            ? "'" + name.Replace("'", "''", StringComparison.Ordinal) + "'"
            : name;
}
