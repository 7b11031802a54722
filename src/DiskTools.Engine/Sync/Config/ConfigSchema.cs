using System.Numerics;
using YamlDotNet.RepresentationModel;

namespace DiskTools.Engine.Sync.Config;

/// <summary>Collects the errors of one validation pass, each pinned to a YAML path and source mark.</summary>
internal sealed class SchemaContext(string? job)
{
    public List<ConfigError> Errors { get; } = [];

    public string? Job { get; } = job;

    public void Add(YamlNode node, string path, string message)
        => Errors.Add(new ConfigError(path, (int)node.Start.Line, (int)node.Start.Column, message, Job));

    public static string Child(string path, string key) => path.Length == 0 ? key : path + "." + key;

    public static string Item(string path, int index) => $"{path}[{index}]";
}

/// <summary>
/// A small declarative schema for YAML documents: validation walks the whole tree and reports every
/// problem (unknown keys, wrong types, bad values, missing required keys) with its path and line, so
/// a user fixes a config in one round trip. Jobs declare their section with the same building blocks.
/// </summary>
public abstract class ConfigSchema
{
    /// <summary>How the expected value is described in messages ("an integer ≥ 1").</summary>
    public abstract string Expected { get; }

    internal abstract void Validate(YamlNode node, string path, SchemaContext context);

    public static MapSchema Map(params FieldSpec[] fields) => new(fields);

    public static FieldSpec Field(string name, ConfigSchema schema, bool required = false) => new(name, schema, required);

    public static ConfigSchema String(Func<string, string?>? check = null, string expected = "a string") => new StringSchema(check, expected);

    public static ConfigSchema Int(long min = long.MinValue, long max = long.MaxValue) => new RangeSchema<long>("an integer", min, max, YamlScalars.TryInt);

    public static ConfigSchema Number(double min = double.MinValue, double max = double.MaxValue) => new RangeSchema<double>("a number", min, max, YamlScalars.TryNumber);

    public static ConfigSchema Bool() => new BoolSchema();

    public static ConfigSchema Enum(IReadOnlyList<string> names) => new EnumSchema(names);

    public static ConfigSchema DiskSpace() => new DiskSpaceSchema();

    public static ConfigSchema List(ConfigSchema item, int minItems = 0) => new ListSchema(item, minItems);

    public static ConfigSchema Nullable(ConfigSchema inner) => new NullableSchema(inner);

    /// <summary>A value that is the same on both hosts, or given per host as {source: ..., target: ...}.</summary>
    public static ConfigSchema PerHost(ConfigSchema inner) => new PerHostSchema(inner);

    /// <summary>A mapping whose keys are checked by <paramref name="checkKey"/> (null = fine) and values by one schema.</summary>
    public static ConfigSchema Dictionary(Func<string, string?> checkKey, ConfigSchema value) => new DictionarySchema(checkKey, value);

    /// <summary>An absolute path (a leading ~/ is allowed and means the home directory of the host's user).</summary>
    public static ConfigSchema AbsolutePath()
        => String(p => p.StartsWith('/') || p.StartsWith("~/", StringComparison.Ordinal) ? null : $"'{p}' is not an absolute path", "an absolute path");
}

public sealed record FieldSpec(string Name, ConfigSchema Schema, bool Required);

public sealed class MapSchema(IReadOnlyList<FieldSpec> fields, IReadOnlyList<Func<ConfigSection, string?>>? rules = null) : ConfigSchema
{
    private readonly IReadOnlyList<Func<ConfigSection, string?>> rules = rules ?? [];

    public IReadOnlyList<FieldSpec> Fields { get; } = fields;

    /// <summary>Adds a rule across keys (e.g. "path, or source and target"); it returns a message or null.</summary>
    public MapSchema WithRule(Func<ConfigSection, string?> rule) => new(Fields, [.. rules, rule]);

    public override string Expected => "a mapping";

    internal override void Validate(YamlNode node, string path, SchemaContext context)
    {
        if (node is not YamlMappingNode map)
        {
            context.Add(node, path, $"expected {Expected}, got {YamlScalars.KindOf(node)}");
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach ((YamlNode keyNode, YamlNode value) in map.Children)
        {
            string key = (keyNode as YamlScalarNode)?.Value ?? string.Empty;
            FieldSpec? field = Fields.FirstOrDefault(f => f.Name == key);
            if (field is null)
            {
                context.Add(keyNode, SchemaContext.Child(path, key), UnknownKey(key, Fields.Select(f => f.Name)));
                continue;
            }

            seen.Add(key);
            field.Schema.Validate(value, SchemaContext.Child(path, key), context);
        }

        foreach (FieldSpec missing in Fields.Where(f => f.Required && !seen.Contains(f.Name)))
        {
            context.Add(node, SchemaContext.Child(path, missing.Name), $"required key '{missing.Name}' is missing ({missing.Schema.Expected})");
        }

        foreach (Func<ConfigSection, string?> rule in rules)
        {
            if (rule(new ConfigSection(map, path)) is string problem)
            {
                context.Add(node, path, problem);
            }
        }
    }

    internal static string UnknownKey(string key, IEnumerable<string> known)
    {
        string[] names = [.. known];
        string? close = names.Where(n => Distance(n, key) <= 2).OrderBy(n => Distance(n, key)).FirstOrDefault();
        return close is not null
            ? $"unknown key '{key}'; did you mean '{close}'?"
            : names.Length == 0 ? $"unknown key '{key}'" : $"unknown key '{key}' (allowed: {string.Join(", ", names)})";
    }

    private static int Distance(string a, string b)
    {
        var row = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            row[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            int previous = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int current = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                previous = current;
            }
        }

        return row[b.Length];
    }
}

internal sealed class StringSchema(Func<string, string?>? check, string expected) : ConfigSchema
{
    public override string Expected { get; } = expected;

    internal override void Validate(YamlNode node, string path, SchemaContext context)
    {
        if (!YamlScalars.TryString(node, out string text))
        {
            context.Add(node, path, $"expected {Expected}, got {YamlScalars.KindOf(node)}");
            return;
        }

        if (check?.Invoke(text) is string problem)
        {
            context.Add(node, path, problem);
        }
    }
}

/// <summary>Reads a YAML scalar as a number, or says it is not one.</summary>
internal delegate bool ScalarReader<T>(YamlNode node, out T value);

/// <summary>A number (integer or not) within bounds; a bound at the type's limit is no bound.</summary>
/// <param name="noun">What it is, with its article: "an integer", "a number".</param>
internal sealed class RangeSchema<T>(string noun, T min, T max, ScalarReader<T> read) : ConfigSchema
    where T : struct, INumber<T>, IMinMaxValue<T>
{
    public override string Expected => min == T.MinValue ? noun : max == T.MaxValue ? $"{noun} ≥ {min}" : $"{noun} from {min} to {max}";

    internal override void Validate(YamlNode node, string path, SchemaContext context)
    {
        if (!read(node, out T value))
        {
            context.Add(node, path, $"expected {Expected}, got {YamlScalars.KindOf(node)}");
        }
        else if (value < min || value > max)
        {
            context.Add(node, path, $"{value} is out of range; expected {Expected}");
        }
    }
}

internal sealed class BoolSchema : ConfigSchema
{
    public override string Expected => "true or false";

    internal override void Validate(YamlNode node, string path, SchemaContext context)
    {
        if (!YamlScalars.TryBool(node, out _))
        {
            context.Add(node, path, $"expected {Expected}, got {YamlScalars.KindOf(node)}");
        }
    }
}

internal sealed class EnumSchema(IReadOnlyList<string> names) : ConfigSchema
{
    public override string Expected => "one of " + string.Join(", ", names);

    internal override void Validate(YamlNode node, string path, SchemaContext context)
    {
        if (!YamlScalars.TryString(node, out string text) || !names.Contains(text, StringComparer.OrdinalIgnoreCase))
        {
            context.Add(node, path, $"expected {Expected}, got {YamlScalars.KindOf(node)}");
        }
    }
}

internal sealed class DiskSpaceSchema : ConfigSchema
{
    public override string Expected => "a percentage (20%) or a size (50 GiB, 500 MiB, 50 GB, 500 MB)";

    internal override void Validate(YamlNode node, string path, SchemaContext context)
    {
        if (!YamlScalars.TryString(node, out string text))
        {
            context.Add(node, path, $"expected {Expected}, got {YamlScalars.KindOf(node)}");
        }
        else if (!DiskSpaceValue.TryParse(text, out _, out string? error))
        {
            context.Add(node, path, error!);
        }
    }
}

internal sealed class ListSchema(ConfigSchema item, int minItems) : ConfigSchema
{
    public override string Expected => minItems > 0 ? $"a list of at least {minItems} item{(minItems == 1 ? "" : "s")}" : "a list";

    internal override void Validate(YamlNode node, string path, SchemaContext context)
    {
        if (node is not YamlSequenceNode list)
        {
            context.Add(node, path, $"expected {Expected}, got {YamlScalars.KindOf(node)}");
            return;
        }

        if (list.Children.Count < minItems)
        {
            context.Add(node, path, $"expected {Expected}, got {list.Children.Count}");
        }

        for (int i = 0; i < list.Children.Count; i++)
        {
            item.Validate(list.Children[i], SchemaContext.Item(path, i), context);
        }
    }
}

internal sealed class NullableSchema(ConfigSchema inner) : ConfigSchema
{
    public override string Expected => inner.Expected + " or null";

    internal override void Validate(YamlNode node, string path, SchemaContext context)
    {
        if (!YamlScalars.IsNull(node))
        {
            inner.Validate(node, path, context);
        }
    }
}

internal sealed class PerHostSchema(ConfigSchema inner) : ConfigSchema
{
    public override string Expected => inner.Expected + ", or {source: ..., target: ...}";

    internal override void Validate(YamlNode node, string path, SchemaContext context)
    {
        if (node is not YamlMappingNode map)
        {
            inner.Validate(node, path, context);
            return;
        }

        new MapSchema([Field("source", inner), Field("target", inner)]).Validate(map, path, context);
    }
}

internal sealed class DictionarySchema(Func<string, string?> checkKey, ConfigSchema value) : ConfigSchema
{
    public override string Expected => "a mapping";

    internal override void Validate(YamlNode node, string path, SchemaContext context)
    {
        if (node is not YamlMappingNode map)
        {
            context.Add(node, path, $"expected {Expected}, got {YamlScalars.KindOf(node)}");
            return;
        }

        foreach ((YamlNode keyNode, YamlNode child) in map.Children)
        {
            string key = (keyNode as YamlScalarNode)?.Value ?? string.Empty;
            string childPath = SchemaContext.Child(path, key);
            if (checkKey(key) is string problem)
            {
                context.Add(keyNode, childPath, problem);
                continue;
            }

            value.Validate(child, childPath, context);
        }
    }
}
