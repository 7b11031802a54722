using System.ComponentModel;

namespace DiskTools.Engine.Remoting.Ssh;

/// <summary>
/// Resolves a host the way OpenSSH itself does: <c>ssh -G</c> with the same -F, -p, -l and -i options prints
/// the configuration ssh would use, after every Host and Match block, Include and system-wide file it
/// applies. DiskTools connects with exactly that resolution, and hands the same one to rsync's ssh, so
/// both channels reach the same host as the same user.
/// </summary>
public static class OpenSshConfig
{
    private static readonly string[] SearchPath = ["/usr/bin", "/bin", "/usr/local/bin"];

    /// <summary>The OpenSSH client, or null when it is not installed.</summary>
    public static string? Program
    {
        get
        {
            IEnumerable<string> dirs = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
                .Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(SearchPath);
            return dirs.Select(d => Path.Combine(d, "ssh")).FirstOrDefault(File.Exists);
        }
    }

    /// <summary>
    /// What ssh would use to reach <paramref name="host"/>; null when no OpenSSH client is installed.
    /// </summary>
    /// <exception cref="DiskToolsException">InvalidSshConfig: ssh rejected the configuration.</exception>
    public static SshHostConfig? TryResolve(string host, string? configPath, int? port, string? user, IReadOnlyList<string> identityFiles)
    {
        if (Program is not { } ssh)
        {
            return null;
        }

        var start = new ProcessStartInfo(ssh)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("-G");
        if (configPath is not null)
        {
            start.ArgumentList.Add("-F");
            start.ArgumentList.Add(configPath);
        }

        if (port is int p)
        {
            start.ArgumentList.Add("-p");
            start.ArgumentList.Add(p.ToString(CultureInfo.InvariantCulture));
        }

        if (!string.IsNullOrEmpty(user))
        {
            start.ArgumentList.Add("-l");
            start.ArgumentList.Add(user);
        }

        foreach (string identity in identityFiles)
        {
            start.ArgumentList.Add("-i");
            start.ArgumentList.Add(identity);
        }

        start.ArgumentList.Add("--");
        start.ArgumentList.Add(host);
        string output, errors;
        int exit;
        try
        {
            using Process process = Process.Start(start)!;
            process.StandardInput.Close();
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                process.Kill(entireProcessTree: true);
                throw new DiskToolsException(ErrorIds.InvalidSshConfig, ErrorKind.OperationTimeout,
                    $"'ssh -G {host}' did not answer within 30 s (a Match exec command that hangs?).", host);
            }

            output = stdout.GetAwaiter().GetResult();
            errors = stderr.GetAwaiter().GetResult();
            exit = process.ExitCode;
        }
        catch (Win32Exception)
        {
            return null;
        }

        if (exit != 0)
        {
            throw new DiskToolsException(ErrorIds.InvalidSshConfig, ErrorKind.InvalidData,
                $"OpenSSH cannot resolve '{host}'{(configPath is null ? string.Empty : $" with '{configPath}'")}: {errors.Trim()}", configPath ?? host);
        }

        return Parse(output, host);
    }

    /// <summary>Reads <c>ssh -G</c> output: one "keyword value" per line, multi-valued keywords repeated.</summary>
    public static SshHostConfig Parse(string output, string alias)
    {
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (string raw in output.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0)
            {
                continue;
            }

            string key = line[..space].ToLowerInvariant();
            if (!values.TryGetValue(key, out List<string>? list))
            {
                values[key] = list = [];
            }

            list.Add(line[(space + 1)..]);
        }

        string? One(string key) => values.TryGetValue(key, out List<string>? v) ? v[0] : null;
        string hostName = One("hostname") ?? alias;
        string? user = One("user");
        int? port = int.TryParse(One("port"), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : null;
        string Expand(string value) => SshPaths.Expand(value, alias, hostName, user, port);
        IReadOnlyList<string> Files(string key) => [.. (One(key) ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Expand)];
        TimeSpan? Seconds(string key) => int.TryParse(One(key), NumberStyles.None, CultureInfo.InvariantCulture, out int s) && s > 0 ? TimeSpan.FromSeconds(s) : null;
        string? Set(string key) => One(key) is { } v && !v.Equals("none", StringComparison.OrdinalIgnoreCase) ? v : null;
        return new SshHostConfig
        {
            Alias = alias,
            HostName = hostName,
            Port = port,
            User = user,
            IdentityFiles = [.. (values.TryGetValue("identityfile", out List<string>? ids) ? ids : []).Select(Expand).Distinct(StringComparer.Ordinal)],
            UserKnownHostsFiles = Files("userknownhostsfile"),
            GlobalKnownHostsFiles = Files("globalknownhostsfile"),
            HostKeyAlias = One("hostkeyalias"),
            IdentitiesOnly = string.Equals(One("identitiesonly"), "yes", StringComparison.OrdinalIgnoreCase),
            IdentityAgent = One("identityagent") is { } agent ? (agent.Equals("none", StringComparison.OrdinalIgnoreCase) ? "none" : Expand(agent)) : null,
            ServerAliveInterval = Seconds("serveraliveinterval"),
            ConnectTimeout = Seconds("connecttimeout"),
            ProxyCommand = Set("proxycommand"),
            ProxyJump = Set("proxyjump"),
        };
    }
}
