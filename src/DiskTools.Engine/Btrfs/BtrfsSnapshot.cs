namespace DiskTools.Engine.Btrfs;

/// <summary>A read-only btrfs snapshot named by the DiskTools pattern.</summary>
public sealed record BtrfsSnapshot
{
    /// <summary>The top-level subvolume it was taken of, as <c>btrfs subvolume list</c> names it (e.g. @home).</summary>
    public required string Subvolume { get; init; }

    public required SnapshotPhase Phase { get; init; }

    /// <summary>When it was taken according to its name, UTC, to the second. Only a label: retention never trusts it.</summary>
    public required DateTime Timestamp { get; init; }

    /// <summary>
    /// When btrfs created it (the subvolume's otime), UTC, on the host's clock; null when btrfs records none
    /// (a plain subvolume that merely carries a snapshot name). Retention ranks and ages by this.
    /// </summary>
    public DateTime? CreatedAt { get; init; }

    /// <summary>8 hex digits shared by every snapshot of one session.</summary>
    public required string SessionId { get; init; }

    /// <summary>The real host name of the machine holding it.</summary>
    public required string Host { get; init; }

    /// <summary>Absolute path on that host.</summary>
    public required string Path { get; init; }

    public required bool ReadOnly { get; init; }

    public Guid? Uuid { get; init; }

    /// <summary>The UUID of the subvolume it was taken of.</summary>
    public Guid? ParentUuid { get; init; }

    /// <summary>The btrfs generation (transaction id) of its last change.</summary>
    public long Generation { get; init; }

    /// <summary>The snapshot's name (last path component).</summary>
    public string Name => System.IO.Path.GetFileName(Path);

    /// <summary>How the host was reached (the -ComputerName given), or null for this machine; lets a listing be piped back to the same host.</summary>
    public string? ComputerName { get; init; }

    /// <summary>The btrfs subvolume id.</summary>
    public long SubvolumeId { get; init; }
}

/// <summary>A top-level subvolume of a btrfs filesystem.</summary>
/// <param name="Name">Its flat name (its path below the top level).</param>
/// <param name="Id">Subvolume id.</param>
/// <param name="Uuid">Its UUID.</param>
/// <param name="MountPoint">Where it can be reached on the host, or null when no mount exposes it.</param>
public sealed record BtrfsSubvolume(string Name, long Id, Guid? Uuid, string? MountPoint);
