namespace DiskTools.Engine.DiskUsage;

/// <summary>The N largest files seen so far: a min-heap of size N, so -Top costs O(N) memory on any tree.</summary>
internal sealed class TopEntries
{
    private readonly int capacity;
    private readonly PriorityQueue<FileRecord, long> heap;
    private long threshold = long.MinValue;

    public TopEntries(int capacity, SizeBasis basis)
    {
        this.capacity = capacity;
        Basis = basis;
        heap = new PriorityQueue<FileRecord, long>(capacity + 1);
    }

    public SizeBasis Basis { get; }

    /// <summary>Cheap pre-check, without the lock: false when the size cannot make the cut.</summary>
    public bool WouldKeep(long size) => size > Volatile.Read(ref threshold);

    /// <summary>Offers a file; the record is built only when it makes the cut.</summary>
    public void Offer(long size, Func<FileRecord> create)
    {
        if (size <= Volatile.Read(ref threshold))
        {
            return;
        }

        lock (heap)
        {
            if (heap.Count < capacity)
            {
                heap.Enqueue(create(), size);
            }
            else if (heap.TryPeek(out _, out long smallest) && size > smallest)
            {
                heap.DequeueEnqueue(create(), size);
            }

            if (heap.Count == capacity && heap.TryPeek(out _, out long min))
            {
                Volatile.Write(ref threshold, min);
            }
        }
    }

    public List<FileRecord> Items()
    {
        lock (heap)
        {
            return heap.UnorderedItems.Select(i => i.Element).ToList();
        }
    }
}
