namespace DiskTools.Engine.Reconciliation;

/// <summary>One regular file in the inventory, as of the last time its content was examined.</summary>
public sealed record FileRecord
{
    public long Id { get; init; }

    public Guid RepositoryId { get; init; }

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
}
