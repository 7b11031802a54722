using DiskTools.Engine.Traversal;

namespace DiskTools.Engine.DiskUsage;

/// <summary>
/// Runs one disk-usage scan of one root on the shared <see cref="TreeWalker"/> and fills its
/// <see cref="ScanSession"/>. Errors and progress go to the <see cref="IOutputWriter"/> as they happen (the
/// walker threads never write anything else); entries are in the session when it returns.
/// </summary>
public static class DiskUsageScanner
{
    /// <summary>The progress activity id every Get-DiskUsage progress record uses.</summary>
    public const int ProgressActivityId = 0x4455;

    // Totals of earlier completed scans in this process, by root and basis: the denominator for percent
    // complete when the root is not a mount point.
    private static readonly ConcurrentDictionary<(string Root, SizeBasis Basis), long> PreviousTotals = new();

    public static async Task<ScanSession> ScanAsync(ScanSession session, DiskUsageOptions options, IOutputWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);

        string root = session.TargetPath;
        session.StartTime = DateTimeOffset.UtcNow;
        (FileSystemKind kind, string raw, long usedBytes) = FileSystemProbe.Describe(root);
        session.FileSystemType = kind;
        session.FileSystemTypeRaw = raw;
        long? expectedBytes = FileSystemProbe.IsMountPoint(root) && options.Basis == SizeBasis.Allocated && usedBytes > 0
            ? usedBytes
            : PreviousTotals.TryGetValue((root, options.Basis), out long previous) && previous > 0 ? previous : null;

        using var timeout = new CancellationTokenSource();
        if (options.Timeout is { } limit && limit > TimeSpan.Zero)
        {
            timeout.CancelAfter(limit);
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var aggregator = new UsageAggregator(options, error => Report(session, error, output));
        var walkOptions = new WalkOptions
        {
            Strategy = session.Strategy,
            Parallelism = options.ThrottleLimit,
            OneFileSystem = options.OneFileSystem,
            Exclude = options.Exclude,
        };

        var throttle = new ProgressThrottle();
        var progress = new ProgressTracker(session, aggregator, expectedBytes);
        session.Status = ScanStatus.Running;
        bool aborted = false;
        try
        {
            Task walk = TreeWalker.WalkAsync(root, walkOptions, aggregator, linked.Token);
            while (!walk.IsCompleted)
            {
                await Task.WhenAny(walk, Task.Delay(throttle.Interval, CancellationToken.None)).ConfigureAwait(false);
                ProgressSnapshot? snapshot = progress.Take();
                if (snapshot is not null && throttle.TryEnter())
                {
                    output.WriteProgress(progress.Describe(snapshot));
                }
            }

            await walk.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            aborted = true;
            session.AbortReason = timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested
                ? $"Timed out after {options.Timeout}"
                : "Stopped";
        }
        catch (WalkRootException e)
        {
            session.AddError(new ScanError(session.SessionId, root, e.ErrorCode, ScanErrorSeverity.Critical, DateTimeOffset.UtcNow, e.Message));
            session.Status = ScanStatus.Aborted;
            session.AbortReason = e.Message;
            session.EndTime = DateTimeOffset.UtcNow;
            throw;
        }
        finally
        {
            if (throttle.HasEmitted)
            {
                output.WriteProgress(new ProgressInfo(ProgressActivityId, Activity(root), "Done", Completed: true));
            }
        }

        session.Status = ScanStatus.Completing;
        UsageTree tree = UsageTree.Build(aggregator, root, aborted, options, session.SessionId);
        session.TotalBytes = tree.Root?.Blocks ?? 0;
        session.TotalApparentBytes = tree.Root?.Apparent ?? 0;
        session.TotalFiles = tree.Root is null ? 0 : tree.Root.Files + (tree.Root.Kind == EntryKind.Directory ? 0 : 1);
        session.TotalDirectories = aggregator.Nodes.Count(n => n.Kind == EntryKind.Directory);
        session.Entries = tree.Entries;
        progress.Take();

        if (options.VerifyParity && !aborted && session.Strategy == WalkStrategy.Parallel)
        {
            await ParityCheck.RunAsync(session, tree, options, output, linked.Token).ConfigureAwait(false);
        }

        session.EndTime = DateTimeOffset.UtcNow;
        session.Status = aborted ? ScanStatus.Aborted : ScanStatus.Completed;
        if (!aborted)
        {
            PreviousTotals[(root, options.Basis)] = options.Basis == SizeBasis.Apparent ? session.TotalApparentBytes : session.TotalBytes;
        }

        return session;
    }

    internal static string Activity(string root) => $"Get-DiskUsage {root}";

    private static void Report(ScanSession session, WalkError error, IOutputWriter output)
    {
        var scanError = new ScanError(
            session.SessionId,
            error.Path,
            error.ErrorCode,
            error.Severity == WalkErrorSeverity.Critical ? ScanErrorSeverity.Critical : ScanErrorSeverity.Warning,
            error.OccurredAt,
            error.Message);
        session.AddError(scanError);
        bool denied = error.ErrorCode is "EACCES" or "EPERM";
        output.WriteError(new OperationError(
            denied ? ErrorIds.DiskUsagePermissionDenied : ErrorIds.DiskUsageReadError,
            denied ? ErrorKind.PermissionDenied : ErrorKind.ReadError,
            error.Path,
            new DiskToolsException(denied ? ErrorIds.DiskUsagePermissionDenied : ErrorIds.DiskUsageReadError, denied ? ErrorKind.PermissionDenied : ErrorKind.ReadError, error.Message, error.Path)));
    }

    /// <summary>Takes progress snapshots (strictly increasing) and words them for the progress bar.</summary>
    private sealed class ProgressTracker(ScanSession session, UsageAggregator aggregator, long? expectedBytes)
    {
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private long lastBytes;
        private double lastSeconds;

        public ProgressSnapshot? Take()
        {
            double now = clock.Elapsed.TotalSeconds;
            long bytes = aggregator.ProcessedBytes;
            long entries = aggregator.ProcessedEntries;
            long throughput = now > lastSeconds ? (long)((bytes - lastBytes) / (now - lastSeconds)) : 0;
            double? ratio = expectedBytes is > 0 ? Math.Min(1.0, bytes / (double)expectedBytes.Value) : null;
            var snapshot = new ProgressSnapshot(session.SessionId, DateTimeOffset.UtcNow, entries, bytes, ratio, Math.Max(0, throughput));
            if (!session.TryAddSnapshot(snapshot))
            {
                return null;
            }

            lastBytes = bytes;
            lastSeconds = now;
            return snapshot;
        }

        public ProgressInfo Describe(ProgressSnapshot snapshot)
        {
            string status = string.Create(
                CultureInfo.InvariantCulture,
                $"{snapshot.ProcessedEntries:N0} entries, {SizeText.Format(snapshot.ProcessedBytes)} ({SizeText.Format(snapshot.RecentThroughputBytesPerSec)}/s)");
            int percent = snapshot.EstimatedCompletionRatio is { } r ? (int)(r * 100) : -1;
            return new ProgressInfo(ProgressActivityId, Activity(session.TargetPath), status, percent);
        }
    }
}
