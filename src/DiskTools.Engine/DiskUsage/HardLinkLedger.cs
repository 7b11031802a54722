namespace DiskTools.Engine.DiskUsage;

/// <summary>
/// Counts each multiply-linked inode once and decides deterministically which link owns its bytes: the
/// link whose path (relative to the scan root, '/'-separated bytes) sorts lowest in byte order. The
/// answer does not depend on thread count, scheduling or listing order. Only inodes with nlink &gt; 1 enter
/// the ledger, and an inode leaves it as soon as all its links have been seen, so it holds only inodes
/// whose other links are still ahead (or outside the tree).
/// </summary>
internal sealed class HardLinkLedger
{
    private readonly ConcurrentDictionary<(ulong Device, ulong Inode), Claim> claims = new();

    public int Pending => claims.Count;

    /// <summary>Records one link; returns the settled claim when this was the inode's last link, else null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Claim? See(ulong device, ulong inode, uint linkCount, DirectoryNode directory, ReadOnlySpan<byte> parentPath, ReadOnlySpan<byte> name, Traversal.EntryKind kind, long blocks, long apparent)
    {
        Claim claim = claims.GetOrAdd((device, inode), static (_, state) => new Claim(state.linkCount, state.blocks, state.apparent, state.kind), (linkCount, blocks, apparent, kind));
        lock (claim)
        {
            if (claim.OwnerPath is null || ComparePath(parentPath, name, claim.OwnerPath) < 0)
            {
                claim.OwnerPath = Native.NativePath.Join(parentPath, name);
                claim.OwnerName = name.ToArray();
                claim.Owner = directory;
            }

            claim.Seen++;
            if (claim.Seen < claim.LinkCount)
            {
                return null;
            }
        }

        claims.TryRemove((device, inode), out _);
        return claim;
    }

    /// <summary>Claims whose other links were never seen (outside the tree, or the scan stopped): settled as they are.</summary>
    public IEnumerable<Claim> Unsettled() => claims.Values;

    private static int ComparePath(ReadOnlySpan<byte> parent, ReadOnlySpan<byte> name, byte[] other)
    {
        // Compares parent + '/' + name with other without building the joined path.
        if (parent.IsEmpty)
        {
            return name.SequenceCompareTo(other);
        }

        int common = Math.Min(parent.Length, other.Length);
        int c = parent[..common].SequenceCompareTo(other.AsSpan(0, common));
        if (c != 0 || other.Length <= parent.Length)
        {
            return c != 0 ? c : 1;
        }

        c = ((byte)'/').CompareTo(other[parent.Length]);
        return c != 0 ? c : name.SequenceCompareTo(other.AsSpan(parent.Length + 1));
    }

    internal sealed class Claim(uint linkCount, long blocks, long apparent, Traversal.EntryKind kind)
    {
        public uint LinkCount { get; } = linkCount;

        public long Blocks { get; } = blocks;

        public long Apparent { get; } = apparent;

        public Traversal.EntryKind Kind { get; } = kind;

        public uint Seen;

        public byte[]? OwnerPath;

        public byte[] OwnerName = [];

        public DirectoryNode? Owner;
    }
}
