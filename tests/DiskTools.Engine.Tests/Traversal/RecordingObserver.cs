using System.Collections.Concurrent;
using DiskTools.Engine.Traversal;

namespace DiskTools.Engine.Tests.Traversal;

/// <summary>Copies everything a walk reports, keyed by relative path (as a string with \xNN escapes).</summary>
public sealed class RecordingObserver : IWalkObserver
{
    public ConcurrentDictionary<string, Visit> Directories { get; } = new();

    public ConcurrentQueue<WalkError> Errors { get; } = new();

    public Action<IWalkedDirectory>? During { get; init; }

    public int MaxOpenDescriptors;

    public bool SampleDescriptors { get; init; }

    private int calls;

    public void OnDirectory(IWalkedDirectory directory)
    {
        string key = PathText.Decode(directory.RelativePath);
        string? parentKey = directory.ParentState as string;
        var entries = new List<(byte[] Name, EntryStat Stat, bool Visit)>();
        for (int i = 0; i < directory.Count; i++)
        {
            WalkedEntry entry = directory[i];
            entries.Add((entry.Name.ToArray(), entry.Stat, entry.WillVisit));
        }

        if (!Directories.TryAdd(key, new Visit(key, parentKey, directory.Depth, directory.Complete, directory.Stat, entries, directory.FullPath)))
        {
            throw new InvalidOperationException($"{key} reported twice");
        }

        directory.State = key;
        During?.Invoke(directory);
        if (SampleDescriptors && Interlocked.Increment(ref calls) % 97 == 0)
        {
            int open = Directory.GetFiles("/proc/self/fd").Length;
            int seen;
            while ((seen = Volatile.Read(ref MaxOpenDescriptors)) < open && Interlocked.CompareExchange(ref MaxOpenDescriptors, open, seen) != seen)
            {
            }
        }
    }

    public void OnError(WalkError error) => Errors.Enqueue(error);

    public sealed record Visit(string Path, string? Parent, int Depth, bool Complete, EntryStat Stat, List<(byte[] Name, EntryStat Stat, bool Visit)> Entries, string FullPath);
}
