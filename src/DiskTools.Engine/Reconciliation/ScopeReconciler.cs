using DiskTools.Engine.Storage;
using DiskTools.Engine.Traversal;

namespace DiskTools.Engine.Reconciliation;

/// <summary>
/// Brings the records under one scope (the whole root, or one subtree for the watcher's rescans) in line
/// with the file system: check the root → walk → binary COPY into the stage → set-based diff, orphans and moves
/// → check what would be removed → carry moved records to their new paths → hash only new/changed files →
/// upsert in short batches → remove orphans only beneath completely walked directories (keeping, marked absent,
/// those that hold tiering or access history). Runs on one
/// connection that owns the temporary tables, opened with InventoryDatabase.ConnectForPassAsync (no statement
/// timeout); no transaction stays open while files are being hashed.
/// </summary>
internal sealed class ScopeReconciler
{
    private const int ProgressActivity = 7101;

    private readonly NpgsqlConnection connection;
    private readonly InventoryRoot inventoryRoot;
    private readonly ReconciliationOptions options;
    private readonly IgnoreRules rules;
    private readonly IOutputWriter writer;

    public ScopeReconciler(NpgsqlConnection connection, InventoryRoot inventoryRoot, ReconciliationOptions options, IgnoreRules rules, IOutputWriter writer)
    {
        this.connection = connection;
        this.inventoryRoot = inventoryRoot;
        this.options = options;
        this.rules = rules;
        this.writer = writer;
    }

    /// <param name="scope">"" for the whole root, else a relative directory path whose subtree is reconciled.</param>
    /// <param name="generation">The operation that writes (file_records.scan_generation).</param>
    /// <param name="since">Records written at or after this database time are never deleted as orphans.</param>
    public async Task RunAsync(string scope, long generation, DateTimeOffset since, PassCounters counters, bool showProgress, CancellationToken cancellationToken)
    {
        var progress = new ProgressThrottle();
        string activity = $"Reconciling {inventoryRoot.RootPath}";
        var stage = new PassStage(connection);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        if (scope.Length == 0)
        {
            await RootGuard.CheckIdentityAsync(connection, inventoryRoot, options.Force, writer, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await stage.CreateAsync(cancellationToken).ConfigureAwait(false);

            // Walk and COPY run together: the walker's threads fill a bounded channel the COPY drains.
            var channel = Channel.CreateBounded<StagedFile[]>(new BoundedChannelOptions(512) { SingleReader = true });
            var stager = new WalkStager(inventoryRoot.RootPath, scope, rules, channel.Writer, writer, cancellationToken);
            string walkRoot = scope.Length == 0 ? inventoryRoot.RootPath : inventoryRoot.RootPath.TrimEnd('/') + "/" + scope;
            Task<long> copy = stage.CopyAsync(channel.Reader, cancellationToken);
            Task walk = Task.Run(
                async () =>
                {
                    try
                    {
                        await TreeWalker.WalkAsync(walkRoot, stager.Options(0), stager, cancellationToken).ConfigureAwait(false);
                        channel.Writer.TryComplete();
                    }
                    catch (Exception e)
                    {
                        channel.Writer.TryComplete(e);
                        throw;
                    }
                },
                cancellationToken);
            while (!walk.IsCompleted && await Task.WhenAny(walk, Task.Delay(250, cancellationToken)).ConfigureAwait(false) != walk)
            {
                if (showProgress && progress.TryEnter())
                {
                    writer.WriteProgress(new ProgressInfo(ProgressActivity, activity, $"Walking: {stager.Files:N0} files in {stager.Directories:N0} directories"));
                }
            }

            try
            {
                await walk.ConfigureAwait(false);
            }
            catch (WalkRootException) when (scope.Length > 0)
            {
                // The subtree vanished before the rescan reached it: everything recorded beneath it goes
                // (records holding history are kept, marked absent).
                await copy.ConfigureAwait(false);
                counters.AddRemoved(await RecordWriter.RemoveAsync(connection, inventoryRoot.Id, [scope], subtree: true, cancellationToken).ConfigureAwait(false));
                return;
            }

            long staged = await copy.ConfigureAwait(false);
            TimeSpan walked = clock.Elapsed;
            counters.AddScanned(staged);
            await stage.BlockAsync(stager.IncompleteDirectories, cancellationToken).ConfigureAwait(false);

            // Everything is compared before anything is written, so a pass the guard stops has changed nothing.
            long work = await stage.BuildWorkAsync(inventoryRoot.Id, options.Hash, cancellationToken).ConfigureAwait(false);
            long orphans = await stage.BuildOrphansAsync(inventoryRoot.Id, scope, since, cancellationToken).ConfigureAwait(false);
            long moves = work > 0 && orphans > 0 ? await stage.BuildMovesAsync(cancellationToken).ConfigureAwait(false) : 0;
            if (scope.Length == 0)
            {
                await RootGuard.CheckRemovalsAsync(inventoryRoot.RootPath, staged, orphans - moves,
                    () => stage.CountPresentAsync(inventoryRoot.Id, cancellationToken), options, writer).ConfigureAwait(false);
            }

            TimeSpan diffed = clock.Elapsed;
            int adopted = work > 0 ? await stage.AdoptBaselinesAsync(generation, cancellationToken).ConfigureAwait(false) : 0;
            for (long done = 0; done < moves; done += options.BatchSize)
            {
                counters.AddMoved(await stage.ApplyMovesAsync(done, options.BatchSize, generation, since, cancellationToken).ConfigureAwait(false));
            }

            long workLeft = work - moves - adopted;
            long workEnd = workLeft == work ? work : await stage.MaxSeqAsync("stage_work", cancellationToken).ConfigureAwait(false);
            await WriteAsync(stage, workEnd, workLeft, generation, counters, showProgress ? progress : null, activity, cancellationToken).ConfigureAwait(false);

            TimeSpan written = clock.Elapsed;
            int kept = 0;
            long orphansEnd = moves == 0 ? orphans : await stage.MaxSeqAsync("stage_orphans", cancellationToken).ConfigureAwait(false);
            for (long done = 0; done < orphansEnd; done += options.BatchSize)
            {
                (int marked, int deleted) = await stage.RemoveOrphansAsync(done, options.BatchSize, since, cancellationToken).ConfigureAwait(false);
                kept += marked;
                counters.AddRemoved(marked + deleted);
            }

            await stage.AnalyzeIfChangedAsync(workLeft + moves + (orphans - moves), cancellationToken).ConfigureAwait(false);
            writer.WriteVerbose($"'{walkRoot}': walk + COPY of {staged:N0} files {walked.TotalSeconds:F2} s, diff {(diffed - walked).TotalSeconds:F2} s ({workLeft:N0} new or changed, {moves:N0} moved, {adopted:N0} imported records adopted without reading), write {(written - diffed).TotalSeconds:F2} s, orphans {(clock.Elapsed - written).TotalSeconds:F2} s ({orphans - moves:N0} gone, {kept:N0} of them kept as absent for their tiering or access history).");
        }
        finally
        {
            await stage.DropAsync().ConfigureAwait(false);
            if (progress.HasEmitted)
            {
                writer.WriteProgress(new ProgressInfo(ProgressActivity, activity, "Done", Completed: true));
            }
        }
    }

    /// <param name="workEnd">The highest seq of stage_work (moves and adoptions taken out leave gaps).</param>
    /// <param name="work">How many rows are left in it.</param>
    private async Task WriteAsync(PassStage stage, long workEnd, long work, long generation, PassCounters counters, ProgressThrottle? progress, string activity, CancellationToken cancellationToken)
    {
        int batch = options.BatchSize;
        int batchNumber = 0;
        for (long done = 0; done < workEnd && work > 0; done += batch)
        {
            if (progress?.TryEnter() == true)
            {
                writer.WriteProgress(new ProgressInfo(ProgressActivity, activity,
                    $"{(options.Hash ? "Hashing and writing" : "Writing")}: {done * work / workEnd:N0} of {work:N0} new or changed files",
                    (int)(done * 100 / Math.Max(1, workEnd))));
            }

            (int added, int updated) = options.Hash
                ? await HashAndWriteAsync(await stage.ReadWorkAsync(done, batch, cancellationToken).ConfigureAwait(false), generation, counters, cancellationToken).ConfigureAwait(false)
                : await RecordWriter.UpsertFromWorkAsync(connection, inventoryRoot.Id, generation, done, batch, cancellationToken).ConfigureAwait(false);
            counters.AddWritten(added, updated);
            if (options.AfterBatchCommitted is { } hook)
            {
                await hook(++batchNumber, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Hashes one page in parallel (no transaction open), then writes what hashed cleanly.</summary>
    private async Task<(int, int)> HashAndWriteAsync(List<StagedFile> page, long generation, PassCounters counters, CancellationToken cancellationToken)
    {
        var recorded = new RecordedFile?[page.Count];
        string root = inventoryRoot.RootPath.TrimEnd('/') + "/";
        await Parallel.ForEachAsync(
            Enumerable.Range(0, page.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.MaxConcurrency), CancellationToken = cancellationToken },
            (i, token) =>
            {
                recorded[i] = HashOne(root, page[i], counters, token);
                return ValueTask.CompletedTask;
            }).ConfigureAwait(false);
        return await RecordWriter.UpsertAsync(connection, inventoryRoot.Id, generation, recorded.OfType<RecordedFile>().ToList(), cancellationToken).ConfigureAwait(false);
    }

    internal RecordedFile? HashOne(string root, StagedFile file, PassCounters counters, CancellationToken cancellationToken)
    {
        string fullPath = root + file.Path;
        HashResult result = ContentHasher.Hash(fullPath, file.Identity, cancellationToken, options.WhileHashing);
        switch (result.Outcome)
        {
            case HashOutcome.Hashed:
                FileIdentity id = result.Identity;
                return new RecordedFile(file.Path, id.Size, id.ModifiedNs, id.ModTimeMicros, id.ChangedNs, id.Inode, file.Device, result.Hash);
            case HashOutcome.Unreadable:
                writer.WriteError(new OperationError(ErrorIds.InventoryHashReadError,
                    result.Error is UnauthorizedAccessException ? ErrorKind.PermissionDenied : ErrorKind.ReadError, fullPath,
                    $"Cannot read '{fullPath}' to hash it: {result.Error?.Message} It is recorded without a hash and retried next pass."));
                return new RecordedFile(file.Path, file.Size, file.ModifiedNs, file.ModTimeMicros, file.ChangedNs, file.Inode, file.Device, null);
            default:
                // Changed while being read, too recently modified to trust, or gone: recording it now could pair
                // metadata with the wrong content.
                counters.AddDeferred(1);
                writer.WriteVerbose(result.Outcome switch
                {
                    HashOutcome.TooRecent => $"'{fullPath}' was modified less than {ContentHasher.RacyWindowNs / 1_000_000} ms before it was read, too recently for its timestamps to show a change during the read; it is left for the next pass.",
                    HashOutcome.Vanished => $"'{fullPath}' disappeared or stopped being a regular file before it could be hashed; it is left for the next pass.",
                    _ => $"'{fullPath}' changed while being hashed; it is left for the next pass.",
                });
                return null;
        }
    }
}
