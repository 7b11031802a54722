namespace DiskTools.Host.Hosting;

/// <summary>
/// Renders an ErrorRecord the way pwsh's concise view does: "<c>Command: message</c>", and for errors raised
/// at a line of a script file (or a parse error) the "Line |" block that points at the failing code.
/// </summary>
internal static class ConciseErrorView
{
    public static string Render(ErrorRecord error)
    {
        ArgumentNullException.ThrowIfNull(error);
        string message = error.ErrorDetails?.Message is { Length: > 0 } details ? details : error.Exception?.Message ?? error.ToString();
        string source = SourceName(error);
        InvocationInfo? at = error.InvocationInfo;
        bool parseError = error.CategoryInfo.Category == ErrorCategory.ParserError;
        if (at is null || at.ScriptLineNumber <= 0 || (string.IsNullOrEmpty(at.ScriptName) && !parseError))
        {
            return $"{source}: {message}";
        }

        // PositionMessage ends with "+ <code line>" and "+ <squiggle under the failing part>".
        string[] plus = at.PositionMessage.Split('\n')
            .Select(l => l.TrimEnd('\r'))
            .Where(l => l.StartsWith("+ ", StringComparison.Ordinal))
            .Select(l => l[2..])
            .ToArray();
        string where = string.IsNullOrEmpty(at.ScriptName) ? $"line {at.ScriptLineNumber}" : $"{at.ScriptName}:{at.ScriptLineNumber}";
        StringBuilder text = new();
        text.Append(source).Append(": ").Append(where).Append('\n');
        text.Append("Line |\n");
        string number = at.ScriptLineNumber.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(4);
        text.Append(number).Append(" |  ").Append(plus.Length > 0 ? plus[0] : at.Line.TrimEnd()).Append('\n');
        if (plus.Length > 1)
        {
            text.Append("     |  ").Append(plus[1]).Append('\n');
        }

        foreach (string line in message.Split('\n'))
        {
            text.Append("     | ").Append(line.TrimEnd('\r')).Append('\n');
        }

        return text.ToString().TrimEnd('\n');
    }

    /// <summary>What pwsh puts before the colon: the command that failed, else the kind of failure.</summary>
    private static string SourceName(ErrorRecord error)
    {
        if (error.Exception is CommandNotFoundException { CommandName: { Length: > 0 } missing })
        {
            return missing;
        }

        if (error.InvocationInfo?.MyCommand?.Name is { Length: > 0 } command && error.InvocationInfo.MyCommand is not ExternalScriptInfo)
        {
            return command;
        }

        if (error.CategoryInfo.Category == ErrorCategory.ParserError)
        {
            return "ParserError";
        }

        if (error.Exception is RuntimeException { WasThrownFromThrowStatement: true })
        {
            return "Exception";
        }

        return error.CategoryInfo.Reason is { Length: > 0 } reason ? reason : "Error";
    }
}
