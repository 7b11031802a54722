namespace DiskTools.Engine.Reconciliation;

/// <summary>How a reconciliation pass (and a watch) runs.</summary>
public sealed record ReconciliationOptions
{
    /// <summary>SHA-256 the content of new and changed regular files.</summary>
    public bool Hash { get; init; } = true;

    /// <summary>Files hashed at once.</summary>
    public int MaxConcurrency { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Rows per write transaction.</summary>
    public int BatchSize { get; init; } = 1000;

    /// <summary>Globs excluded in addition to the default ignore rules.</summary>
    public IReadOnlyList<string> Exclude { get; init; } = [];

    /// <summary>Wait for another pass over the same root to finish instead of failing.</summary>
    public bool Wait { get; init; }

    /// <summary>
    /// Go ahead where the root guard would stop: a root on another file system than last time, a root found
    /// empty where it had records, a pass removing more than <see cref="MaxRemovalPercent"/>.
    /// </summary>
    public bool Force { get; init; }

    /// <summary>A pass that would remove more than this share of the root's records (and more than 10) stops first.</summary>
    public double MaxRemovalPercent { get; init; } = DefaultMaxRemovalPercent;

    public const double DefaultMaxRemovalPercent = 50;

    /// <summary>Recorded as the operation's type: manual, startup or reconciliation.</summary>
    public string OperationType { get; init; } = OperationTypes.Manual;

    public TimeSpan DebounceInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan ReconcileInterval { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Called after each write batch commits; lets tests interrupt a pass at a known point.</summary>
    internal Func<int, CancellationToken, Task>? AfterBatchCommitted { get; init; }

    /// <summary>Called once a file is open and stat'ed, before its content is read; lets tests change it mid-hash.</summary>
    internal Action<string>? WhileHashing { get; init; }
}

/// <summary>The operation_type values sync_operations accepts.</summary>
public static class OperationTypes
{
    public const string Realtime = "realtime";
    public const string Reconciliation = "reconciliation";
    public const string Startup = "startup";
    public const string Manual = "manual";
}
