namespace DiskTools.Engine.Reconciliation;

/// <summary>A regular file as the walk saw it: what the pass streams into the stage table.</summary>
internal readonly record struct StagedFile(string Path, long Size, long ModifiedNs, long ChangedNs, ulong Inode, ulong Device)
{
    public FileIdentity Identity => new(true, Size, ModifiedNs, ChangedNs, Inode);
}

/// <summary>A file as it is written to file_records (Hash null when not hashed).</summary>
internal readonly record struct RecordedFile(string Path, long Size, long ModifiedNs, long ChangedNs, ulong Inode, ulong Device, string? Hash);
