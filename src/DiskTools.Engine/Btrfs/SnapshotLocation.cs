namespace DiskTools.Engine.Btrfs;

/// <summary>Which btrfs filesystem, and where on it snapshots live.</summary>
public sealed record SnapshotLocation
{
    public const string DefaultFileSystem = "/";
    public const string DefaultSnapshotDirectory = "/.snapshots";

    /// <summary>Any path on the btrfs filesystem whose top-level subvolumes are meant (its mount point, usually).</summary>
    public string FileSystem { get; init; } = DefaultFileSystem;

    /// <summary>The directory holding the snapshots; must exist on that same filesystem.</summary>
    public string SnapshotDirectory { get; init; } = DefaultSnapshotDirectory;
}

/// <summary>A snapshot to take.</summary>
/// <param name="Subvolume">Flat top-level subvolume name, e.g. @home.</param>
/// <param name="Phase">Why it is taken.</param>
/// <param name="SessionId">8 hex digits grouping the snapshots of one session.</param>
/// <param name="Timestamp">The time written into the name; null means now (UTC).</param>
public sealed record SnapshotRequest(string Subvolume, SnapshotPhase Phase, string SessionId, DateTime? Timestamp = null);

/// <summary>Which snapshots to list; null members match everything.</summary>
public sealed record SnapshotFilter(IReadOnlyCollection<string>? Subvolumes = null, string? SessionId = null, SnapshotPhase? Phase = null)
{
    public bool Matches(BtrfsSnapshot snapshot)
        => (Subvolumes is null || Subvolumes.Count == 0 || Subvolumes.Contains(snapshot.Subvolume, StringComparer.Ordinal))
           && (SessionId is null || string.Equals(SessionId, snapshot.SessionId, StringComparison.OrdinalIgnoreCase))
           && (Phase is null || Phase == snapshot.Phase);
}
