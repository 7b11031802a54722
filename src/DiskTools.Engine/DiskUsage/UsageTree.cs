using DiskTools.Engine.Traversal;

namespace DiskTools.Engine.DiskUsage;

/// <summary>
/// The finished scan: subtree totals summed bottom-up, and the entries to report — in tree order with
/// siblings largest first (down to -Depth), or the N largest anywhere (-Top).
/// </summary>
internal sealed class UsageTree
{
    private readonly string rootPath;
    private readonly DiskUsageOptions options;
    private readonly Guid sessionId;

    private UsageTree(string rootPath, DiskUsageOptions options, Guid sessionId)
    {
        this.rootPath = rootPath;
        this.options = options;
        this.sessionId = sessionId;
    }

    public DirectoryNode? Root { get; private set; }

    public IReadOnlyList<DirectoryNode> Nodes { get; private set; } = [];

    public List<DiskUsageEntry> Entries { get; } = [];

    public static UsageTree Build(UsageAggregator aggregator, string rootPath, bool aborted, DiskUsageOptions options, Guid sessionId)
    {
        var tree = new UsageTree(rootPath, options, sessionId);
        if (aggregator.Ledger is not null)
        {
            foreach (HardLinkLedger.Claim claim in aggregator.Ledger.Unsettled().ToList())
            {
                aggregator.Settle(claim);
            }
        }

        IReadOnlyList<DirectoryNode> nodes = aggregator.Nodes;
        tree.Nodes = nodes;
        for (int i = nodes.Count - 1; i >= 0; i--)
        {
            DirectoryNode node = nodes[i];
            if (aborted && node.VisitedChildren < node.ExpectedChildren)
            {
                node.Incomplete = true;
            }

            DirectoryNode? parent = node.Parent;
            if (parent is null)
            {
                continue;
            }

            parent.Blocks += node.Blocks;
            parent.Apparent += node.Apparent;
            parent.AllLinksBlocks += node.AllLinksBlocks;
            parent.AllLinksApparent += node.AllLinksApparent;
            parent.Files += node.Files;
            parent.Directories += node.Directories;
            parent.Incomplete |= node.Incomplete;
        }

        tree.Root = nodes.Count > 0 ? nodes[0] : null;
        if (tree.Root is not null)
        {
            if (options.Top > 0)
            {
                tree.AddTop(aggregator);
            }
            else
            {
                tree.AddInTreeOrder();
            }
        }

        return tree;
    }

    public long SizeOf(DirectoryNode node) => options.Basis == SizeBasis.Apparent ? node.Apparent : node.Blocks;

    public string PathOf(DirectoryNode node) => PathText.Join(rootPath, RelativePathOf(node));

    public static byte[] RelativePathOf(DirectoryNode node)
    {
        if (node.Parent is null)
        {
            return [];
        }

        var parts = new Stack<byte[]>();
        for (DirectoryNode? n = node; n?.Parent is not null; n = n.Parent)
        {
            parts.Push(n.Name);
        }

        var path = new List<byte>();
        foreach (byte[] part in parts)
        {
            if (path.Count > 0)
            {
                path.Add((byte)'/');
            }

            path.AddRange(part);
        }

        return path.ToArray();
    }

    private void AddInTreeOrder()
    {
        var pending = new Stack<object>();
        pending.Push(Root!);
        while (pending.Count > 0)
        {
            object item = pending.Pop();
            if (item is FileRecord file)
            {
                Entries.Add(FileEntry(file));
                continue;
            }

            var node = (DirectoryNode)item;
            Entries.Add(DirectoryEntry(node));
            var children = new List<(long Size, byte[] Name, object Item)>();
            foreach (DirectoryNode child in node.Children ?? [])
            {
                children.Add((SizeOf(child), child.Name, child));
            }

            foreach (FileRecord f in node.FilesToReport ?? [])
            {
                children.Add((options.Basis == SizeBasis.Apparent ? f.Apparent : f.Blocks, f.Name, f));
            }

            // Largest first, ties by name, so the order is the same on every run; pushed in reverse.
            children.Sort((a, b) => a.Size != b.Size ? b.Size.CompareTo(a.Size) : a.Name.AsSpan().SequenceCompareTo(b.Name));
            for (int i = children.Count - 1; i >= 0; i--)
            {
                pending.Push(children[i].Item);
            }
        }
    }

    private void AddTop(UsageAggregator aggregator)
    {
        var candidates = new List<(long Size, string Path, Func<DiskUsageEntry> Make)>();
        var heap = new PriorityQueue<DirectoryNode, long>();
        foreach (DirectoryNode node in Nodes)
        {
            heap.Enqueue(node, SizeOf(node));
            if (heap.Count > options.Top)
            {
                heap.Dequeue();
            }
        }

        foreach (DirectoryNode node in heap.UnorderedItems.Select(i => i.Element))
        {
            candidates.Add((SizeOf(node), PathOf(node), () => DirectoryEntry(node)));
        }

        foreach (FileRecord file in aggregator.TopFiles?.Items() ?? [])
        {
            candidates.Add((options.Basis == SizeBasis.Apparent ? file.Apparent : file.Blocks, FilePath(file), () => FileEntry(file)));
        }

        foreach (var candidate in candidates.OrderByDescending(c => c.Size).ThenBy(c => c.Path, StringComparer.Ordinal).Take(options.Top))
        {
            Entries.Add(candidate.Make());
        }
    }

    private DiskUsageEntry DirectoryEntry(DirectoryNode node)
    {
        long parentSize = node.Parent is null ? 0 : SizeOf(node.Parent);
        string path = PathOf(node);
        return new DiskUsageEntry
        {
            Path = path,
            Name = node.Parent is null ? RootName(rootPath) : PathText.Decode(node.Name),
            Kind = node.Kind switch
            {
                EntryKind.Directory => DiskUsageEntryKind.Directory,
                EntryKind.Symlink => DiskUsageEntryKind.Symlink,
                EntryKind.File => DiskUsageEntryKind.File,
                _ => DiskUsageEntryKind.Other,
            },
            Size = node.Blocks,
            ApparentSize = node.Apparent,
            FileCount = node.Files,
            DirectoryCount = node.Directories,
            Depth = node.Depth,
            Incomplete = node.Incomplete,
            Share = node.Parent is null ? 1.0 : parentSize > 0 ? SizeOf(node) / (double)parentSize : 0,
            Basis = options.Basis,
            Root = rootPath,
            SessionId = sessionId,
        };
    }

    private DiskUsageEntry FileEntry(FileRecord file)
    {
        long parentSize = SizeOf(file.Parent);
        long size = options.Basis == SizeBasis.Apparent ? file.Apparent : file.Blocks;
        return new DiskUsageEntry
        {
            Path = FilePath(file),
            Name = PathText.Decode(file.Name),
            Kind = file.Kind switch
            {
                EntryKind.Symlink => DiskUsageEntryKind.Symlink,
                EntryKind.File => DiskUsageEntryKind.File,
                _ => DiskUsageEntryKind.Other,
            },
            Size = file.Blocks,
            ApparentSize = file.Apparent,
            FileCount = 0,
            DirectoryCount = 0,
            Depth = file.Parent.Depth + 1,
            Incomplete = false,
            Share = parentSize > 0 ? size / (double)parentSize : 0,
            Basis = options.Basis,
            Root = rootPath,
            SessionId = sessionId,
        };
    }

    private string FilePath(FileRecord file)
    {
        byte[] parent = RelativePathOf(file.Parent);
        byte[] relative = parent.Length == 0 ? file.Name : [.. parent, (byte)'/', .. file.Name];
        return PathText.Join(rootPath, relative);
    }

    private static string RootName(string root)
    {
        string trimmed = root.Length > 1 ? root.TrimEnd('/') : root;
        string name = System.IO.Path.GetFileName(trimmed);
        return name.Length == 0 ? trimmed : name;
    }
}
