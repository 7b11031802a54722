using DiskTools.Engine.Remoting;
using DiskTools.Engine.Remoting.Ssh;

namespace DiskTools.Engine.Sync.Safety;

/// <summary>
/// What makes a machine the machine it is, for refusing to sync one to itself: its machine id
/// (/etc/machine-id, else /var/lib/dbus/machine-id) and the fingerprints of its SSH host keys
/// (/etc/ssh/ssh_host_*_key.pub). Names and addresses prove nothing — an alias, a second address or a port
/// forward reach the same disks under another name.
/// </summary>
public sealed partial record HostIdentity(string? MachineId, IReadOnlyList<string> HostKeyFingerprints)
{
    private const string Script = """
        for f in /etc/machine-id /var/lib/dbus/machine-id; do
            if [ -f "$f" ] && [ -s "$f" ]; then printf 'machine-id %s\n' "$(head -c 64 "$f" | head -n 1)"; break; fi
        done
        for f in /etc/ssh/ssh_host_*_key.pub; do
            [ -f "$f" ] && [ -r "$f" ] && printf 'host-key %s\n' "$(head -c 16384 "$f" | head -n 1)"
        done
        exit 0
        """;

    public static async Task<HostIdentity> ReadAsync(ICommandExecutor host, CancellationToken cancellationToken)
    {
        CommandResult result = await host.RunAsync(CommandLine.ShellScript(Script), TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        return Parse(result.Succeeded ? result.StandardOutput : string.Empty);
    }

    public static HostIdentity Parse(string output)
    {
        string? machineId = null;
        var fingerprints = new List<string>();
        foreach (string line in output.Split('\n'))
        {
            if (line.StartsWith("machine-id ", StringComparison.Ordinal) && MachineIdPattern().IsMatch(line[11..].Trim()))
            {
                machineId = line[11..].Trim();
            }
            else if (line.StartsWith("host-key ", StringComparison.Ordinal))
            {
                string[] parts = line[9..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 2)
                {
                    try
                    {
                        fingerprints.Add(HostKeyFingerprint.Compute(Convert.FromBase64String(parts[1])));
                    }
                    catch (FormatException)
                    {
                        // Not a public key line; it proves nothing either way.
                    }
                }
            }
        }

        return new HostIdentity(machineId, fingerprints);
    }

    /// <summary>
    /// Why <paramref name="target"/> is the machine <paramref name="source"/> runs on, or null when it is not:
    /// the same machine id, or the target presenting one of the source's own host keys.
    /// </summary>
    public static string? SameMachine(HostIdentity source, HostIdentity target, string? presentedFingerprint)
    {
        if (source.MachineId is { } id && string.Equals(id, target.MachineId, StringComparison.Ordinal))
        {
            return $"both have the machine id {id}";
        }

        if (presentedFingerprint is { } presented && source.HostKeyFingerprints.Any(f => HostKeyFingerprint.Matches(f, presented)))
        {
            return $"the target presented this machine's own SSH host key ({presented})";
        }

        return null;
    }

    public static DiskToolsException SameMachineError(string computerName, string sourceHostname, string reason)
        => new(ErrorIds.SyncTargetIsSource, ErrorKind.InvalidArgument,
            $"{computerName} is this machine ({sourceHostname}): {reason}. A sync session copies to another machine; syncing a machine onto itself could overwrite the very files it copies.",
            computerName);

    [GeneratedRegex("^[0-9a-f]{32}$", RegexOptions.CultureInvariant)]
    private static partial Regex MachineIdPattern();
}
