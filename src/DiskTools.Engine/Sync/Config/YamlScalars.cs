using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DiskTools.Engine.Sync.Config;

/// <summary>
/// YAML 1.2 core-schema reading of scalars. Only plain (unquoted) scalars are numbers, booleans or null;
/// a quoted "3" is a string, so a type error is reported instead of silently guessing.
/// </summary>
internal static class YamlScalars
{
    public static bool IsPlain(YamlScalarNode node) => node.Style is ScalarStyle.Plain or ScalarStyle.Any;

    public static bool IsNull(YamlNode node)
        => node is YamlScalarNode s && IsPlain(s) && s.Value is null or "" or "~" or "null" or "Null" or "NULL";

    public static bool TryBool(YamlNode node, out bool value)
    {
        value = false;
        if (node is not YamlScalarNode s || !IsPlain(s))
        {
            return false;
        }

        switch (s.Value)
        {
            case "true" or "True" or "TRUE":
                value = true;
                return true;
            case "false" or "False" or "FALSE":
                return true;
            default:
                return false;
        }
    }

    public static bool TryInt(YamlNode node, out long value)
    {
        value = 0;
        return node is YamlScalarNode s && IsPlain(s)
            && long.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    public static bool TryNumber(YamlNode node, out double value)
    {
        value = 0;
        return node is YamlScalarNode s && IsPlain(s)
            && double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
    }

    /// <summary>The text of a scalar that is a string (quoted, or plain and not null/bool/number).</summary>
    public static bool TryString(YamlNode node, out string value)
    {
        value = string.Empty;
        if (node is not YamlScalarNode s || IsNull(node))
        {
            return false;
        }

        value = s.Value ?? string.Empty;
        return true;
    }

    /// <summary>What a node looks like, for "expected X, got Y" messages.</summary>
    public static string KindOf(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        _ when IsNull(node) => "nothing (null)",
        _ when TryBool(node, out _) => "a boolean",
        _ when TryInt(node, out _) => "an integer",
        _ when TryNumber(node, out _) => "a number",
        YamlScalarNode s => $"the string '{Shorten(s.Value)}'",
        _ => "something else",
    };

    private static string Shorten(string? text)
        => text is null ? string.Empty : text.Length <= 40 ? text : text[..37] + "...";
}
