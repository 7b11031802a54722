using DiskTools.Engine.Traversal;

namespace DiskTools.Engine.DiskUsage;

/// <summary>
/// Turns a walk into du's numbers. Each directory callback adds the directory's own blocks and its
/// non-directory entries to a <see cref="DirectoryNode"/>; hard-linked files go through the
/// <see cref="HardLinkLedger"/>. Subtree totals are summed once, after the walk, by a reverse sweep over
/// nodes in creation order (a child is always created after its parent).
/// </summary>
internal sealed class UsageAggregator : IWalkObserver
{
    private readonly DiskUsageOptions options;
    private readonly Action<WalkError> onError;
    private readonly HardLinkLedger? ledger;
    private readonly List<DirectoryNode> nodes = [];
    private readonly int keepDepth;
    private readonly TopEntries? topFiles;
    private long processedEntries;
    private long processedBytes;

    public UsageAggregator(DiskUsageOptions options, Action<WalkError> onError)
    {
        this.options = options;
        this.onError = onError;
        ledger = options.CountHardLinks ? null : new HardLinkLedger();
        keepDepth = options.Top > 0 ? -1 : options.Depth;
        if (options.Top > 0 && options.IncludeFiles)
        {
            topFiles = new TopEntries(options.Top, options.Basis);
        }
    }

    public long ProcessedEntries => Interlocked.Read(ref processedEntries);

    public long ProcessedBytes => Interlocked.Read(ref processedBytes);

    public IReadOnlyList<DirectoryNode> Nodes => nodes;

    public HardLinkLedger? Ledger => ledger;

    public TopEntries? TopFiles => topFiles;

    public void OnError(WalkError error) => onError(error);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void OnDirectory(IWalkedDirectory directory)
    {
        var parent = directory.ParentState as DirectoryNode;
        DirectoryNode node;
        byte[] name = directory.Depth == 0 ? [] : LastComponent(directory.RelativePath);
        lock (nodes)
        {
            node = new DirectoryNode(parent, name, directory.Depth, nodes.Count);
            nodes.Add(node);
        }

        if (parent is not null)
        {
            Interlocked.Increment(ref parent.VisitedChildren);
            if (parent.Depth < keepDepth)
            {
                lock (parent)
                {
                    (parent.Children ??= []).Add(node);
                }
            }
        }

        directory.State = node;
        EntryStat own = directory.Stat;
        node.Kind = own.Kind;
        node.Incomplete = !directory.Complete;
        long blocks = own.AllocatedBytes;
        long apparent = own.Size;
        long allBlocks = 0;
        long allApparent = 0;
        long files = 0;
        long dirs = 0;
        int expected = 0;
        bool keepFiles = options.IncludeFiles && node.Depth < keepDepth;

        if (directory.Depth == 0 && own.Kind != EntryKind.Directory)
        {
            // The root is a file (or a symlink): it is its own single entry.
            files = 0;
        }

        for (int i = 0; i < directory.Count; i++)
        {
            WalkedEntry entry = directory[i];
            EntryStat stat = entry.Stat;
            if (stat.Kind == EntryKind.Directory)
            {
                if (entry.WillVisit)
                {
                    expected++;
                    dirs++;
                }

                // A directory not visited is a mount point under OneFileSystem: du -x leaves it out entirely.
                continue;
            }

            files++;
            allBlocks += stat.AllocatedBytes;
            allApparent += stat.Size;
            if (ledger is not null && stat.MayBeHardLinked)
            {
                HardLinkLedger.Claim? settled = ledger.See(stat.Device, stat.Inode, stat.LinkCount, node, directory.RelativePath, entry.Name, stat.Kind, stat.AllocatedBytes, stat.Size);
                if (settled is not null)
                {
                    Settle(settled);
                }

                continue;
            }

            blocks += stat.AllocatedBytes;
            apparent += stat.Size;
            if (keepFiles)
            {
                (node.FilesToReport ??= []).Add(new FileRecord(node, entry.Name.ToArray(), stat.Kind, stat.AllocatedBytes, stat.Size));
            }
            else if (topFiles is not null && topFiles.WouldKeep(options.Basis == SizeBasis.Apparent ? stat.Size : stat.AllocatedBytes))
            {
                var record = new FileRecord(node, entry.Name.ToArray(), stat.Kind, stat.AllocatedBytes, stat.Size);
                topFiles.Offer(options.Basis == SizeBasis.Apparent ? stat.Size : stat.AllocatedBytes, () => record);
            }
        }

        node.Blocks += blocks;
        node.Apparent += apparent;
        node.AllLinksBlocks += allBlocks + own.AllocatedBytes;
        node.AllLinksApparent += allApparent + own.Size;
        node.Files = files;
        node.Directories = dirs;
        node.ExpectedChildren = expected;
        Interlocked.Add(ref processedEntries, directory.Count + 1);
        Interlocked.Add(ref processedBytes, options.Basis == SizeBasis.Apparent ? apparent : blocks);
    }

    /// <summary>Gives a hard-linked inode's bytes to the link chosen by the rule.</summary>
    public void Settle(HardLinkLedger.Claim claim)
    {
        DirectoryNode owner = claim.Owner!;
        Interlocked.Add(ref owner.Blocks, claim.Blocks);
        Interlocked.Add(ref owner.Apparent, claim.Apparent);
        Interlocked.Add(ref processedBytes, options.Basis == SizeBasis.Apparent ? claim.Apparent : claim.Blocks);
        var record = new FileRecord(owner, claim.OwnerName, claim.Kind, claim.Blocks, claim.Apparent);
        if (options.IncludeFiles && owner.Depth < keepDepth)
        {
            lock (owner)
            {
                (owner.FilesToReport ??= []).Add(record);
            }
        }
        else
        {
            topFiles?.Offer(options.Basis == SizeBasis.Apparent ? claim.Apparent : claim.Blocks, () => record);
        }
    }

    private static byte[] LastComponent(ReadOnlySpan<byte> relative)
    {
        int slash = relative.LastIndexOf((byte)'/');
        return relative[(slash + 1)..].ToArray();
    }
}
