namespace DiskTools.Engine.Reconciliation;

/// <summary>What a pass (or a minute of real-time changes) did; safe to bump from any thread.</summary>
internal sealed class PassCounters
{
    private long scanned;
    private long added;
    private long updated;
    private long removed;
    private long deferred;
    private long moved;

    public int Scanned => (int)Interlocked.Read(ref scanned);

    public int Added => (int)Interlocked.Read(ref added);

    public int Updated => (int)Interlocked.Read(ref updated);

    public int Removed => (int)Interlocked.Read(ref removed);

    public int Deferred => (int)Interlocked.Read(ref deferred);

    public int Moved => (int)Interlocked.Read(ref moved);

    public bool IsEmpty => Added == 0 && Updated == 0 && Removed == 0 && Deferred == 0 && Moved == 0;

    public void AddScanned(long n) => Interlocked.Add(ref scanned, n);

    public void AddWritten(int newFiles, int changedFiles)
    {
        Interlocked.Add(ref added, newFiles);
        Interlocked.Add(ref updated, changedFiles);
    }

    public void AddRemoved(long n) => Interlocked.Add(ref removed, n);

    public void AddDeferred(long n) => Interlocked.Add(ref deferred, n);

    public void AddMoved(long n) => Interlocked.Add(ref moved, n);

    public ReconciliationOperation ApplyTo(ReconciliationOperation operation) => operation with
    {
        FilesScanned = Scanned,
        FilesAdded = Added,
        FilesUpdated = Updated,
        FilesRemoved = Removed,
        FilesDeferred = Deferred,
        FilesMoved = Moved,
    };

    /// <summary>Takes the counts and resets them (the realtime aggregator flushes once a minute).</summary>
    public PassCounters Drain()
    {
        var copy = new PassCounters();
        copy.scanned = Interlocked.Exchange(ref scanned, 0);
        copy.added = Interlocked.Exchange(ref added, 0);
        copy.updated = Interlocked.Exchange(ref updated, 0);
        copy.removed = Interlocked.Exchange(ref removed, 0);
        copy.deferred = Interlocked.Exchange(ref deferred, 0);
        copy.moved = Interlocked.Exchange(ref moved, 0);
        return copy;
    }
}
