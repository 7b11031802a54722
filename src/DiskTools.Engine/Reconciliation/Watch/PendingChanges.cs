namespace DiskTools.Engine.Reconciliation.Watch;

/// <summary>
/// Per-path debounce. Every event for a path pushes its due time to now + the debounce interval; what is done
/// when it falls due is decided then by looking at the file system, so a create followed by a chmod (or a
/// write followed by a close) within the window is one upsert of the final state. The one thing an event
/// must not lose is "this may be a new directory, rescan it": that flag is sticky until the path is handled.
/// A watcher error or overflow sets <see cref="RootRescanRequested"/>, which supersedes everything pending.
/// </summary>
internal sealed class PendingChanges
{
    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);
    private readonly TimeSpan debounce;
    private int rootRescan;

    public PendingChanges(TimeSpan debounce) => this.debounce = debounce;

    public int Count => entries.Count;

    public bool RootRescanRequested => Volatile.Read(ref rootRescan) != 0;

    /// <summary>Notes an event for <paramref name="relativePath"/>; <paramref name="mayBeNewDirectory"/> for create / move-in / move-out.</summary>
    public void Add(string relativePath, bool mayBeNewDirectory)
    {
        long due = Environment.TickCount64 + (long)debounce.TotalMilliseconds;
        entries.AddOrUpdate(
            relativePath,
            _ => new Entry(due, mayBeNewDirectory),
            (_, old) => new Entry(due, old.Rescan || mayBeNewDirectory));
    }

    public void RequestRootRescan() => Interlocked.Exchange(ref rootRescan, 1);

    /// <summary>Takes the root-rescan request (true once per request).</summary>
    public bool TakeRootRescan() => Interlocked.Exchange(ref rootRescan, 0) != 0;

    /// <summary>Removes and returns every path whose debounce has expired.</summary>
    public List<(string Path, bool Rescan)> TakeDue()
    {
        long now = Environment.TickCount64;
        var due = new List<(string, bool)>();
        foreach (KeyValuePair<string, Entry> pair in entries)
        {
            if (pair.Value.DueAt <= now && ((ICollection<KeyValuePair<string, Entry>>)entries).Remove(pair))
            {
                due.Add((pair.Key, pair.Value.Rescan));
            }
        }

        return due;
    }

    /// <summary>Drops everything pending (a root rescan covers it).</summary>
    public void Clear() => entries.Clear();

    private readonly record struct Entry(long DueAt, bool Rescan);
}
