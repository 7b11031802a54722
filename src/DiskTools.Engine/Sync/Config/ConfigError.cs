namespace DiskTools.Engine.Sync.Config;

/// <summary>
/// One problem in a config file: where (YAML path like disk.preflight_minimum or folder_sync.folders[2].path,
/// and the 1-based line and column), what is wrong, and — for phase 2 — which job's schema found it.
/// </summary>
public sealed record ConfigError(string Path, int Line, int Column, string Message, string? Job = null)
{
    public override string ToString()
        => $"line {Line}, column {Column}: {(Path.Length == 0 ? "(document)" : Path)}: {Message}";
}

/// <summary>The config could not be used; carries every error found, not just the first.</summary>
public sealed class SyncConfigException : Output.DiskToolsException
{
    public SyncConfigException(string file, IReadOnlyList<ConfigError> errors)
        : base(ErrorIds.SyncConfigInvalid, Output.ErrorKind.InvalidData, Describe(file, errors), file)
    {
        File = file;
        Errors = errors;
    }

    public string File { get; }

    public IReadOnlyList<ConfigError> Errors { get; }

    private static string Describe(string file, IReadOnlyList<ConfigError> errors)
        => $"{errors.Count} error{(errors.Count == 1 ? "" : "s")} in {file}:" + Environment.NewLine
           + string.Join(Environment.NewLine, errors.Select(e => "  " + e));
}
