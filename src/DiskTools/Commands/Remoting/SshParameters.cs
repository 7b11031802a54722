using System.Collections;
using DiskTools.Engine.Remoting.Ssh;

namespace DiskTools.Commands.Remoting;

/// <summary>
/// The values of <see cref="SshCmdletBase"/>'s parameters, from a bound cmdlet or from what a completer
/// sees typed so far, and the one way they become <see cref="SshConnectionOptions"/>.
/// </summary>
internal sealed record SshParameters(
    int? Port,
    PSCredential? Credential,
    string? SshConfigPath,
    string[]? IdentityFile,
    string[]? KnownHostsFile,
    string? HostKeyFingerprint)
{
    /// <summary>The parameters typed so far on a command line being completed (paths as typed).</summary>
    public static SshParameters FromBound(IDictionary bound)
        => new(
            bound.Contains("Port") ? Convert.ToInt32(Unwrap(bound["Port"]), System.Globalization.CultureInfo.InvariantCulture) : null,
            Get<PSCredential>(bound, "Credential"),
            Get<string>(bound, "SshConfigPath"),
            Strings(bound, "IdentityFile"),
            Strings(bound, "KnownHostsFile"),
            Get<string>(bound, "HostKeyFingerprint"));

    /// <summary>The connection options for <paramref name="host"/>; <paramref name="resolvePath"/> turns a local file argument into a full path.</summary>
    public SshConnectionOptions ToOptions(string host, Func<string, string> resolvePath)
        => new()
        {
            Host = host,
            Port = Port,
            UserName = string.IsNullOrEmpty(Credential?.UserName) ? null : Credential.UserName,
            Credential = Credential?.GetNetworkCredential(),
            ConfigPath = SshConfigPath is null ? null : resolvePath(SshConfigPath),
            IdentityFiles = [.. (IdentityFile ?? []).Select(resolvePath)],
            KnownHostsFiles = KnownHostsFile is null ? null : [.. KnownHostsFile.Select(resolvePath)],
            HostKeyFingerprint = HostKeyFingerprint,
        };

    /// <summary>A bound value as typed so far, unwrapped from the PSObject the parser may give.</summary>
    public static T? Get<T>(IDictionary bound, string name) where T : class
        => bound.Contains(name) ? Unwrap(bound[name]) as T : null;

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

    private static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;
}
