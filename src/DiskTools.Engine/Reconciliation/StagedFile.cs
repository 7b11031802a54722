namespace DiskTools.Engine.Reconciliation;

/// <summary>
/// A regular file as the walk saw it: what the pass streams into the stage table. Its modification time comes in
/// both stored forms (see <see cref="Traversal.FileTimestamp"/>): <paramref name="ModifiedNs"/> for mtime_ns and
/// <paramref name="ModTimeMicros"/> (PostgreSQL's binary timestamptz) for mod_time.
/// </summary>
internal readonly record struct StagedFile(string Path, long Size, long ModifiedNs, long ModTimeMicros, long ChangedNs, ulong Inode, ulong Device)
{
    public FileIdentity Identity => new(true, Size, ModifiedNs, ModTimeMicros, ChangedNs, Inode);
}

/// <summary>A file as it is written to file_records (Hash null when not hashed).</summary>
internal readonly record struct RecordedFile(string Path, long Size, long ModifiedNs, long ModTimeMicros, long ChangedNs, ulong Inode, ulong Device, string? Hash);
