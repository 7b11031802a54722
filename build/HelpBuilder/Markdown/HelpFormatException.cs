namespace DiskTools.HelpBuilder.Markdown;

/// <summary>A help page that does not follow the platyPS layout; carries the file and line to fix.</summary>
public sealed class HelpFormatException(string file, int line, string problem)
    : Exception($"{file}:{line}: {problem}")
{
    public string File { get; } = file;

    public int Line { get; } = line;

    public string Problem { get; } = problem;
}
