using System.Text.RegularExpressions;
using DiskTools.HelpBuilder.Model;

namespace DiskTools.HelpBuilder.Markdown;

/// <summary>
/// Reads a parameter's ```yaml block. platyPS writes flat 'Key: value' lines only, so no YAML library is
/// needed; unknown or missing keys are errors because Get-Help would show wrong metadata otherwise.
/// </summary>
public static partial class ParameterMetadataParser
{
    private static readonly string[] RequiredKeys =
    [
        "Type", "Parameter Sets", "Aliases", "Required", "Position", "Default value",
        "Accept pipeline input", "Accept wildcard characters",
    ];

    private static readonly string[] OptionalKeys = ["Accepted values", "Applicable"];

    /// <param name="fenceLine">The line of the opening fence; key lines follow it.</param>
    public static ParameterMetadata Parse(string file, int fenceLine, string yaml)
    {
        var values = new Dictionary<string, (string Value, int Line)>(StringComparer.OrdinalIgnoreCase);
        string[] lines = yaml.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int line = fenceLine + 1 + i;
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            int colon = lines[i].IndexOf(':', StringComparison.Ordinal);
            string key = colon > 0 ? lines[i][..colon].Trim() : string.Empty;
            if (!RequiredKeys.Contains(key, StringComparer.OrdinalIgnoreCase) && !OptionalKeys.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                throw new HelpFormatException(file, line, $"unknown parameter metadata '{lines[i].Trim()}' (keys: {string.Join(", ", RequiredKeys)})");
            }

            if (!values.TryAdd(key, (lines[i][(colon + 1)..].Trim(), line)))
            {
                throw new HelpFormatException(file, line, $"'{key}' appears twice");
            }
        }

        string? missing = RequiredKeys.FirstOrDefault(k => !values.ContainsKey(k));
        if (missing is not null)
        {
            throw new HelpFormatException(file, fenceLine, $"parameter metadata lacks '{missing}:'");
        }

        string Get(string key) => values[key].Value;

        bool Bool(string key) => Get(key).ToLowerInvariant() switch
        {
            "true" => true,
            "false" => false,
            _ => throw new HelpFormatException(file, values[key].Line, $"'{key}' must be True or False, found '{Get(key)}'"),
        };

        string type = Get("Type");
        if (type.Length == 0)
        {
            throw new HelpFormatException(file, values["Type"].Line, "'Type' is empty");
        }

        string[] sets = List(Get("Parameter Sets"));
        if (sets.Length == 0)
        {
            throw new HelpFormatException(file, values["Parameter Sets"].Line, "'Parameter Sets' is empty (use (All))");
        }

        string position = Get("Position");
        if (!string.Equals(position, "Named", StringComparison.OrdinalIgnoreCase) && !int.TryParse(position, out _))
        {
            throw new HelpFormatException(file, values["Position"].Line, $"'Position' must be Named or a number, found '{position}'");
        }

        string pipeline = Get("Accept pipeline input");
        if (!PipelineInput().IsMatch(pipeline))
        {
            throw new HelpFormatException(file, values["Accept pipeline input"].Line,
                $"'Accept pipeline input' must be False or True (ByValue), True (ByPropertyName) or True (ByPropertyName, ByValue), found '{pipeline}'");
        }

        string[] aliases = List(Get("Aliases"));
        string defaultValue = Get("Default value");
        return new ParameterMetadata(
            type,
            sets,
            aliases is ["None"] ? [] : aliases,
            values.TryGetValue("Accepted values", out var accepted) ? List(accepted.Value) : [],
            Bool("Required"),
            string.Equals(position, "Named", StringComparison.OrdinalIgnoreCase) ? "named" : position,
            defaultValue.Length == 0 ? "None" : defaultValue,
            pipeline,
            Bool("Accept wildcard characters"),
            values["Parameter Sets"].Line);
    }

    private static string[] List(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [GeneratedRegex(@"^(False|True \((ByValue|ByPropertyName|ByPropertyName, ByValue|ByValue, ByPropertyName|ByRemainingArguments)\))$", RegexOptions.IgnoreCase)]
    private static partial Regex PipelineInput();
}
