namespace DiskTools.Engine.Btrfs;

/// <summary>Why a snapshot was taken; written into its name in lower case (presync, postsync, manual).</summary>
public enum SnapshotPhase
{
    PreSync,
    PostSync,
    Manual,
}
