namespace DiskTools.Engine.Reconciliation;

/// <summary>One regular file in the inventory, as of the last time its content was examined.</summary>
public sealed record FileRecord
{
    public long Id { get; init; }

    public Guid RootId { get; init; }

    public string RootPath { get; init; } = string.Empty;

    /// <summary>Relative to the root, '/'-separated, exactly as the file system spells it.</summary>
    public string FilePath { get; init; } = string.Empty;

    public string FullPath => RootPath.EndsWith('/') ? RootPath + FilePath : RootPath + "/" + FilePath;

    public long FileSize { get; init; }

    public DateTimeOffset ModTime { get; init; }

    public long ModifiedNs { get; init; }

    public long ChangedNs { get; init; }

    public ulong Inode { get; init; }

    public ulong Device { get; init; }

    /// <summary>Lower-case hex SHA-256, or null when recorded without hashing.</summary>
    public string? ContentHash { get; init; }

    public DateTimeOffset LastScanned { get; init; }

    public long ScanGeneration { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>When the file's content was last used, as far as any source knows; null when none said.</summary>
    public DateTimeOffset? LastAccessed { get; init; }

    /// <summary>Which source set <see cref="LastAccessed"/>: initial_scan, lucidlink_audit, incremental_scan or manual.</summary>
    public string? LastAccessedSource { get; init; }

    /// <summary>Accesses counted from audit trails.</summary>
    public long AccessCount { get; init; }

    /// <summary>The tiering state: none, planned, stubbed, rehydrated or deleted (see Set-FileTierState).</summary>
    public string TierState { get; init; } = "none";
}
