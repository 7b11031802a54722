namespace DiskTools.Engine.LucidAudit;

/// <summary>
/// A file in the planned or stubbed tier state was used again (read, written or pre-hydrated). Emitted so a
/// script can alert; nothing is rehydrated.
/// </summary>
public sealed record WarmingEvent
{
    public string Tenant { get; init; } = string.Empty;

    public string Root { get; init; } = string.Empty;

    /// <summary>The file's path below the root.</summary>
    public string Path { get; init; } = string.Empty;

    /// <summary>planned or stubbed, as it was when the accesses were applied.</summary>
    public string TierState { get; init; } = string.Empty;

    /// <summary>How many accesses this pass saw.</summary>
    public long Accesses { get; init; }

    public DateTimeOffset FirstAccess { get; init; }

    public DateTimeOffset LastAccess { get; init; }

    /// <summary>The actions seen (FileRead, FileWritten, PreHydrate).</summary>
    public IReadOnlyList<string> Actions { get; init; } = [];

    /// <summary>Who used the file, as the audit trail names them.</summary>
    public IReadOnlyList<string> Users { get; init; } = [];
}
