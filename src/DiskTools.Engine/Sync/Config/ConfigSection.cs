using YamlDotNet.RepresentationModel;

namespace DiskTools.Engine.Sync.Config;

/// <summary>
/// Read access to one validated mapping of the config (the whole file, or one job's section). Getters
/// return the default when a key is absent or null; they assume the schema has already accepted the
/// value, so they never report errors themselves.
/// </summary>
public sealed class ConfigSection
{
    private readonly YamlMappingNode? node;

    internal ConfigSection(YamlMappingNode? node, string path)
    {
        this.node = node;
        Path = path;
    }

    public static ConfigSection Empty(string path) => new(null, path);

    /// <summary>The YAML path of this section ("" for the document, "folder_sync", "folder_sync.folders[0]").</summary>
    public string Path { get; }

    /// <summary>The 1-based line of the section (0 when it is absent from the file).</summary>
    public int Line => node is null ? 0 : (int)node.Start.Line;

    public IEnumerable<string> Keys => node?.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? string.Empty) ?? [];

    public bool Has(string key) => Find(key) is { } value && !YamlScalars.IsNull(value);

    public int LineOf(string key) => node?.Children.FirstOrDefault(p => (p.Key as YamlScalarNode)?.Value == key).Key is YamlNode k ? (int)k.Start.Line : Line;

    public string ChildPath(string key) => SchemaContext.Child(Path, key);

    public string? GetString(string key, string? fallback = null)
        => Find(key) is { } value && YamlScalars.TryString(value, out string text) ? text : fallback;

    public long GetInt(string key, long fallback) => Find(key) is { } value && YamlScalars.TryInt(value, out long n) ? n : fallback;

    public long? GetNullableInt(string key) => Find(key) is { } value && YamlScalars.TryInt(value, out long n) ? n : null;

    public double GetNumber(string key, double fallback) => Find(key) is { } value && YamlScalars.TryNumber(value, out double n) ? n : fallback;

    public bool GetBool(string key, bool fallback) => Find(key) is { } value && YamlScalars.TryBool(value, out bool b) ? b : fallback;

    public DiskSpaceValue GetDiskSpace(string key, DiskSpaceValue fallback)
        => GetString(key) is string text && DiskSpaceValue.TryParse(text, out DiskSpaceValue value, out _) ? value : fallback;

    public IReadOnlyList<string> GetStringList(string key, IReadOnlyList<string> fallback)
        => Find(key) is YamlSequenceNode list
            ? [.. list.Children.Select(c => YamlScalars.TryString(c, out string s) ? s : Convert.ToString(c, CultureInfo.InvariantCulture) ?? string.Empty)]
            : fallback;

    /// <summary>The value of <paramref name="key"/> as given for both hosts, or split per host.</summary>
    public PerHost<string?> GetPerHost(string key, string? fallback)
    {
        return Find(key) switch
        {
            YamlMappingNode map => new PerHost<string?>(
                new ConfigSection(map, ChildPath(key)).GetString("source", fallback),
                new ConfigSection(map, ChildPath(key)).GetString("target", fallback)),
            _ => PerHost<string?>.Both(GetString(key, fallback)),
        };
    }

    public ConfigSection GetSection(string key)
        => new(Find(key) as YamlMappingNode, ChildPath(key));

    public IReadOnlyList<ConfigSection> GetSections(string key)
        => Find(key) is YamlSequenceNode list
            ? [.. list.Children.Select((c, i) => new ConfigSection(c as YamlMappingNode, SchemaContext.Item(ChildPath(key), i)))]
            : [];

    internal YamlNode? Find(string key)
    {
        if (node is null)
        {
            return null;
        }

        foreach ((YamlNode k, YamlNode v) in node.Children)
        {
            if (k is YamlScalarNode s && s.Value == key)
            {
                return v;
            }
        }

        return null;
    }

    internal YamlMappingNode? Node => node;
}
