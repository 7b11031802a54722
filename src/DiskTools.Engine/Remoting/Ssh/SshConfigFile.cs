using System.Text;
using DiskTools.Engine.Output;

namespace DiskTools.Engine.Remoting.Ssh;

/// <summary>
/// Reads the subset of ssh_config(5) DiskTools honours: Host blocks (patterns with * and ?, negation with !),
/// Include, and the keywords HostName, User, Port, IdentityFile, IdentitiesOnly, IdentityAgent,
/// UserKnownHostsFile, GlobalKnownHostsFile, HostKeyAlias, ServerAliveInterval and ConnectTimeout.
/// As in OpenSSH the first value found for a keyword wins, except IdentityFile, which accumulates.
/// Match blocks are not evaluated (only "Match all" applies); their keywords are skipped.
/// </summary>
public static class SshConfigFile
{
    private const int MaxIncludeDepth = 16;

    /// <summary>The user's default config, ~/.ssh/config.</summary>
    public static string DefaultPath => Path.Combine(HomeDirectory, ".ssh", "config");

    internal static string HomeDirectory => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    /// <summary>Resolves <paramref name="host"/> through the config file at <paramref name="configPath"/> (a missing file means no settings).</summary>
    public static SshHostConfig Resolve(string host, string? configPath = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        string path = configPath ?? DefaultPath;
        var settings = new Settings();
        if (File.Exists(path))
        {
            Apply(File.ReadAllLines(path), Path.GetDirectoryName(Path.GetFullPath(path))!, host, settings, 0, path);
        }
        else if (configPath is not null)
        {
            throw new DiskToolsException(ExecutorErrors.InvalidSshConfig, ErrorKind.ObjectNotFound, $"The ssh config file '{configPath}' does not exist.", configPath);
        }

        return settings.ToConfig(host);
    }

    /// <summary>Resolves <paramref name="host"/> against config text (for tests and callers holding the text).</summary>
    public static SshHostConfig Parse(string text, string host, string? includeBaseDirectory = null)
    {
        var settings = new Settings();
        Apply(text.Split('\n'), includeBaseDirectory ?? Path.Combine(HomeDirectory, ".ssh"), host, settings, 0, "<text>");
        return settings.ToConfig(host);
    }

    /// <summary>True when an ssh_config host pattern list (space separated, as after "Host") matches <paramref name="host"/>.</summary>
    public static bool HostMatches(IEnumerable<string> patterns, string host)
    {
        bool matched = false;
        foreach (string pattern in patterns)
        {
            bool negated = pattern.StartsWith('!');
            string body = negated ? pattern[1..] : pattern;
            if (!WildcardMatch(body, host))
            {
                continue;
            }

            if (negated)
            {
                return false;
            }

            matched = true;
        }

        return matched;
    }

    /// <summary>OpenSSH-style glob: * any run, ? one character; case-insensitive like host names.</summary>
    internal static bool WildcardMatch(string pattern, string text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || char.ToLowerInvariant(pattern[p]) == char.ToLowerInvariant(text[t])))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    private static void Apply(IEnumerable<string> lines, string baseDirectory, string host, Settings settings, int depth, string source)
    {
        if (depth > MaxIncludeDepth)
        {
            throw new DiskToolsException(ExecutorErrors.InvalidSshConfig, ErrorKind.InvalidData, $"ssh config Include nesting is deeper than {MaxIncludeDepth} in '{source}'.", source);
        }

        bool active = true; // lines before the first Host/Match apply to every host
        int number = 0;
        foreach (string raw in lines)
        {
            number++;
            List<string> words = SplitWords(raw);
            if (words.Count == 0)
            {
                continue;
            }

            string keyword = words[0];
            List<string> values = words.GetRange(1, words.Count - 1);
            if (keyword.Contains('=', StringComparison.Ordinal))
            {
                // "Keyword=value" written without spaces.
                int eq = keyword.IndexOf('=', StringComparison.Ordinal);
                string rest = keyword[(eq + 1)..];
                keyword = keyword[..eq];
                if (rest.Length > 0)
                {
                    values.Insert(0, rest);
                }
            }

            if (values.Count > 0 && values[0] == "=")
            {
                values.RemoveAt(0);
            }

            switch (keyword.ToLowerInvariant())
            {
                case "host":
                    active = HostMatches(values, host);
                    continue;
                case "match":
                    active = values.Count == 1 && values[0].Equals("all", StringComparison.OrdinalIgnoreCase);
                    continue;
            }

            if (!active || values.Count == 0)
            {
                continue;
            }

            if (keyword.Equals("include", StringComparison.OrdinalIgnoreCase))
            {
                foreach (string included in ExpandInclude(values, baseDirectory))
                {
                    Apply(File.ReadAllLines(included), baseDirectory, host, settings, depth + 1, included);
                }

                continue;
            }

            settings.Set(keyword.ToLowerInvariant(), values, source, number);
        }
    }

    private static IEnumerable<string> ExpandInclude(IEnumerable<string> patterns, string baseDirectory)
    {
        foreach (string pattern in patterns)
        {
            string full = ExpandTilde(pattern);
            if (!Path.IsPathRooted(full))
            {
                full = Path.Combine(baseDirectory, full);
            }

            string? directory = Path.GetDirectoryName(full);
            string name = Path.GetFileName(full);
            if (directory is null || !Directory.Exists(directory))
            {
                continue;
            }

            if (name.IndexOfAny(['*', '?']) < 0)
            {
                if (File.Exists(full))
                {
                    yield return full;
                }

                continue;
            }

            foreach (string match in Directory.EnumerateFiles(directory).Where(f => WildcardMatch(name, Path.GetFileName(f))).Order(StringComparer.Ordinal))
            {
                yield return match;
            }
        }
    }

    /// <summary>Splits a config line into words: whitespace separated, double quotes group, # starts a comment.</summary>
    internal static List<string> SplitWords(string line)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        bool quoted = false, inWord = false;
        foreach (char c in line.TrimEnd('\r'))
        {
            if (c == '"')
            {
                quoted = !quoted;
                inWord = true;
                continue;
            }

            if (!quoted && c == '#' && !inWord)
            {
                break;
            }

            if (!quoted && char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }

                continue;
            }

            current.Append(c);
            inWord = true;
        }

        if (inWord)
        {
            words.Add(current.ToString());
        }

        return words;
    }

    /// <summary>Expands ~ and the %-tokens ssh_config allows in file names (%d %h %n %p %r %u %%).</summary>
    internal static string ExpandPath(string value, string alias, string hostName, string? user, int? port)
        => ExpandTilde(Settings.ExpandTokens(value, alias, hostName, user, port));

    internal static string ExpandTilde(string path)
        => path == "~" ? HomeDirectory
            : path.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(HomeDirectory, path[2..])
            : path;

    private sealed class Settings
    {
        private readonly Dictionary<string, List<string>> first = new(StringComparer.Ordinal);
        private readonly List<string> identityFiles = [];

        public void Set(string keyword, List<string> values, string source, int line)
        {
            if (keyword == "identityfile")
            {
                identityFiles.Add(values[0]);
                return;
            }

            if (keyword is "port" or "serveraliveinterval" or "connecttimeout" && !int.TryParse(values[0], out _))
            {
                throw new DiskToolsException(ExecutorErrors.InvalidSshConfig, ErrorKind.InvalidData,
                    $"{source}, line {line}: '{values[0]}' is not a number for {keyword}.", source);
            }

            first.TryAdd(keyword, values);
        }

        public SshHostConfig ToConfig(string alias)
        {
            string hostName = One("hostname") is { } configured ? configured.Replace("%h", alias, StringComparison.Ordinal) : alias;
            string? user = One("user");
            int? port = One("port") is { } p ? int.Parse(p, System.Globalization.CultureInfo.InvariantCulture) : null;
            string Expand(string value) => ExpandTilde(ExpandTokens(value, alias, hostName, user, port));
            return new SshHostConfig
            {
                Alias = alias,
                HostName = hostName,
                Port = port,
                User = user,
                IdentityFiles = identityFiles.Select(Expand).ToArray(),
                UserKnownHostsFiles = All("userknownhostsfile").Select(Expand).ToArray(),
                GlobalKnownHostsFiles = All("globalknownhostsfile").Select(Expand).ToArray(),
                HostKeyAlias = One("hostkeyalias"),
                IdentitiesOnly = string.Equals(One("identitiesonly"), "yes", StringComparison.OrdinalIgnoreCase),
                IdentityAgent = One("identityagent") is { } agent ? Expand(agent) : null,
                ServerAliveInterval = Seconds("serveraliveinterval"),
                ConnectTimeout = Seconds("connecttimeout"),
            };
        }

        internal static string ExpandTokens(string value, string alias, string hostName, string? user, int? port)
        {
            if (!value.Contains('%', StringComparison.Ordinal))
            {
                return value;
            }

            var builder = new StringBuilder();
            for (int i = 0; i < value.Length; i++)
            {
                if (value[i] != '%' || i + 1 == value.Length)
                {
                    builder.Append(value[i]);
                    continue;
                }

                char token = value[++i];
                builder.Append(token switch
                {
                    '%' => "%",
                    'd' => HomeDirectory,
                    'h' => hostName,
                    'n' => alias,
                    'p' => (port ?? 22).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    'r' => user ?? Environment.UserName,
                    'u' => Environment.UserName,
                    _ => "%" + token,
                });
            }

            return builder.ToString();
        }

        private string? One(string keyword) => first.TryGetValue(keyword, out List<string>? values) ? values[0] : null;

        private IEnumerable<string> All(string keyword) => first.TryGetValue(keyword, out List<string>? values) ? values : [];

        private TimeSpan? Seconds(string keyword) => One(keyword) is { } s && int.TryParse(s, out int n) && n > 0 ? TimeSpan.FromSeconds(n) : null;
    }
}
