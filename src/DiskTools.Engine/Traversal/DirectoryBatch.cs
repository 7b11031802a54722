namespace DiskTools.Engine.Traversal;

/// <summary>
/// A directory's listing as handed to the observer: names packed in one byte buffer (each followed by a NUL
/// so the walker can pass it straight to openat), stats in a parallel array. One per walker thread, reused
/// for every directory so listing allocates nothing in the steady state.
/// </summary>
internal sealed class DirectoryBatch : IWalkedDirectory
{
    private const int ShrinkAbove = 64 * 1024;

    private readonly string rootDisplay;
    private byte[] names = new byte[16 * 1024];
    private int namesUsed;
    private int[] nameStarts = new int[256];
    private int[] nameLengths = new int[256];
    private EntryStat[] stats = new EntryStat[256];
    private bool[] visits = new bool[256];
    private byte[] relativePath = [];
    private string? fullPath;

    public DirectoryBatch(string rootDisplay) => this.rootDisplay = rootDisplay;

    public ReadOnlySpan<byte> RelativePath => relativePath;

    public byte[] RelativePathArray => relativePath;

    public string FullPath => fullPath ??= PathText.Join(rootDisplay, relativePath);

    public EntryStat Stat { get; private set; }

    public int Depth { get; private set; }

    public bool Complete { get; set; }

    public int Count { get; private set; }

    public object? ParentState { get; private set; }

    public object? State { get; set; }

    public WalkedEntry this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(index));
            }

            return new WalkedEntry(names.AsSpan(nameStarts[index], nameLengths[index]), stats[index], visits[index]);
        }
    }

    public void Reset(byte[] relative, in EntryStat stat, int depth, object? parentState)
    {
        if (names.Length > ShrinkAbove * 16 || stats.Length > ShrinkAbove)
        {
            // One huge directory must not pin its buffers for the rest of the walk.
            names = new byte[16 * 1024];
            nameStarts = new int[256];
            nameLengths = new int[256];
            stats = new EntryStat[256];
            visits = new bool[256];
        }

        relativePath = relative;
        Stat = stat;
        Depth = depth;
        ParentState = parentState;
        State = null;
        Complete = true;
        Count = 0;
        namesUsed = 0;
        fullPath = null;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public void Add(ReadOnlySpan<byte> name, in EntryStat stat, bool visit)
    {
        if (Count == stats.Length)
        {
            GrowEntries();
        }

        if (namesUsed + name.Length + 1 > names.Length)
        {
            Array.Resize(ref names, Math.Max(names.Length * 2, namesUsed + name.Length + 1));
        }

        name.CopyTo(names.AsSpan(namesUsed));
        names[namesUsed + name.Length] = 0;
        nameStarts[Count] = namesUsed;
        nameLengths[Count] = name.Length;
        stats[Count] = stat;
        visits[Count] = visit;
        namesUsed += name.Length + 1;
        Count++;
    }

    public bool WillVisit(int index) => visits[index];

    public ref readonly EntryStat StatAt(int index) => ref stats[index];

    public ReadOnlySpan<byte> NameAt(int index) => names.AsSpan(nameStarts[index], nameLengths[index]);

    /// <summary>The name followed by its NUL terminator.</summary>
    public ReadOnlySpan<byte> TerminatedNameAt(int index) => names.AsSpan(nameStarts[index], nameLengths[index] + 1);

    /// <summary>relative path of the entry: parent/name (or just name under the root).</summary>
    public byte[] ChildRelativePath(int index) => Native.NativePath.Join(relativePath, NameAt(index));

    private void GrowEntries()
    {
        int size = stats.Length * 2;
        Array.Resize(ref nameStarts, size);
        Array.Resize(ref nameLengths, size);
        Array.Resize(ref stats, size);
        Array.Resize(ref visits, size);
    }
}
