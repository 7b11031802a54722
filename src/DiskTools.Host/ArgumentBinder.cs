using System.Text.RegularExpressions;

namespace DiskTools.Host;

/// <summary>
/// Invokes a command with command-line words bound the way pwsh -File binds them. The words are not spliced
/// into script text (no quoting or injection problems): the launcher builds "<c>&amp; $args[0] -Name $args[1] ...</c>",
/// writing only well-formed parameter names literally and passing every value as a string argument. The engine's
/// own binder then sees "-Name value", "-Name:value", switches and positionals exactly as in a script, so
/// "-Count 3" binds 3 to Count while "-Force extra" leaves "extra" positional (Force is a switch).
/// "-Switch:$false" works; after "--" every word is positional.
/// </summary>
internal static partial class ArgumentBinder
{
    public static void AddInvocation(PowerShell ps, string command, IEnumerable<string> words)
    {
        StringBuilder script = new("& $args[0]");
        List<object> values = [command];
        bool positionalOnly = false;
        foreach (string word in words)
        {
            if (!positionalOnly && word == "--")
            {
                positionalOnly = true;
                continue;
            }

            Match match = positionalOnly ? Match.Empty : ParameterPattern().Match(word);
            if (!match.Success)
            {
                AppendValue(script, values, word);
                continue;
            }

            script.Append(" -").Append(match.Groups["name"].Value);
            if (match.Groups["value"].Success)
            {
                script.Append(':');
                string value = match.Groups["value"].Value;
                if (value.Equals("$true", StringComparison.OrdinalIgnoreCase) || value.Equals("$false", StringComparison.OrdinalIgnoreCase))
                {
                    script.Append(value.ToLowerInvariant());
                }
                else
                {
                    script.Append("$args[").Append(values.Count).Append(']');
                    values.Add(value);
                }
            }
        }

        ps.AddScript(script.ToString());
        foreach (object value in values)
        {
            ps.AddArgument(value);
        }
    }

    private static void AppendValue(StringBuilder script, List<object> values, string word)
    {
        script.Append(" $args[").Append(values.Count).Append(']');
        values.Add(word);
    }

    // Only a letter or underscore followed by word characters is written into the script; "-5", "-" and
    // anything stranger stays a plain string value.
    [GeneratedRegex(@"^-(?<name>[\p{L}_][\p{L}\p{Nd}_]*)(:(?<value>.*))?$", RegexOptions.Singleline)]
    private static partial Regex ParameterPattern();
}
