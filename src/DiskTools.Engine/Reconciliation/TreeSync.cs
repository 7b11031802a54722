using System.Threading.Channels;
using DiskTools.Engine.Output;
using DiskTools.Engine.Storage;
using DiskTools.Engine.Traversal;
using Npgsql;

namespace DiskTools.Engine.Reconciliation;

/// <summary>
/// Brings the records under one scope (the whole root, or one subtree for the watcher's rescans) in line
/// with the file system: walk → binary COPY into the stage → set-based diff → hash only new/changed files →
/// upsert in short batches → delete orphans only beneath completely walked directories. Runs on one
/// connection that owns the temporary tables; no transaction stays open while files are being hashed.
/// </summary>
internal sealed class TreeSync
{
    public const string HashReadErrorId = "InventoryHashReadError";
    private const int ProgressActivity = 7101;

    private readonly NpgsqlConnection connection;
    private readonly InventoryRepository repository;
    private readonly ReconciliationOptions options;
    private readonly IgnoreRules rules;
    private readonly IOutputWriter writer;

    public TreeSync(NpgsqlConnection connection, InventoryRepository repository, ReconciliationOptions options, IgnoreRules rules, IOutputWriter writer)
    {
        this.connection = connection;
        this.repository = repository;
        this.options = options;
        this.rules = rules;
        this.writer = writer;
    }

    /// <param name="scope">"" for the whole root, else a relative directory path whose subtree is synchronised.</param>
    /// <param name="generation">The operation that writes (file_records.scan_generation).</param>
    /// <param name="since">Records written at or after this database time are never deleted as orphans.</param>
    public async Task RunAsync(string scope, long generation, DateTimeOffset since, PassCounters counters, bool showProgress, CancellationToken cancellationToken)
    {
        var progress = new ProgressThrottle();
        string activity = $"Reconciling {repository.RootPath}";
        var stage = new PassStage(connection);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await stage.CreateAsync(cancellationToken).ConfigureAwait(false);

            // Walk and COPY run together: the walker's threads fill a bounded channel the COPY drains.
            var channel = Channel.CreateBounded<StagedFile[]>(new BoundedChannelOptions(512) { SingleReader = true });
            var stager = new WalkStager(repository.RootPath, scope, rules, channel.Writer, writer, cancellationToken);
            string walkRoot = scope.Length == 0 ? repository.RootPath : repository.RootPath.TrimEnd('/') + "/" + scope;
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
                // The subtree vanished before the rescan reached it: everything recorded beneath it goes.
                await copy.ConfigureAwait(false);
                counters.AddRemoved(await RecordWriter.DeleteAsync(connection, repository.Id, [scope], subtree: true, cancellationToken).ConfigureAwait(false));
                return;
            }

            long staged = await copy.ConfigureAwait(false);
            TimeSpan walked = clock.Elapsed;
            counters.AddScanned(staged);
            await stage.BlockAsync(stager.IncompleteDirectories, cancellationToken).ConfigureAwait(false);

            long work = await stage.BuildWorkAsync(repository.Id, options.Hash, cancellationToken).ConfigureAwait(false);
            TimeSpan diffed = clock.Elapsed;
            await WriteAsync(stage, work, generation, counters, showProgress ? progress : null, activity, cancellationToken).ConfigureAwait(false);

            TimeSpan written = clock.Elapsed;
            long orphans = await stage.BuildOrphansAsync(repository.Id, scope, since, cancellationToken).ConfigureAwait(false);
            for (long done = 0; done < orphans; done += options.BatchSize)
            {
                counters.AddRemoved(await stage.DeleteOrphansAsync(done, options.BatchSize, since, cancellationToken).ConfigureAwait(false));
            }

            writer.WriteVerbose($"'{walkRoot}': walk + COPY of {staged:N0} files {walked.TotalSeconds:F2} s, diff {(diffed - walked).TotalSeconds:F2} s ({work:N0} new or changed), write {(written - diffed).TotalSeconds:F2} s, orphans {(clock.Elapsed - written).TotalSeconds:F2} s ({orphans:N0}).");
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

    private async Task WriteAsync(PassStage stage, long work, long generation, PassCounters counters, ProgressThrottle? progress, string activity, CancellationToken cancellationToken)
    {
        int batch = options.BatchSize;
        int batchNumber = 0;
        for (long done = 0; done < work; done += batch)
        {
            if (progress?.TryEnter() == true)
            {
                writer.WriteProgress(new ProgressInfo(ProgressActivity, activity,
                    $"{(options.Hash ? "Hashing and writing" : "Writing")}: {done:N0} of {work:N0} new or changed files",
                    (int)(done * 100 / Math.Max(1, work))));
            }

            (int added, int updated) = options.Hash
                ? await HashAndWriteAsync(await stage.ReadWorkAsync(done, batch, cancellationToken).ConfigureAwait(false), generation, counters, cancellationToken).ConfigureAwait(false)
                : await RecordWriter.UpsertFromWorkAsync(connection, repository.Id, generation, done, batch, cancellationToken).ConfigureAwait(false);
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
        string root = repository.RootPath.TrimEnd('/') + "/";
        await Parallel.ForEachAsync(
            Enumerable.Range(0, page.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.MaxConcurrency), CancellationToken = cancellationToken },
            (i, token) =>
            {
                recorded[i] = HashOne(root, page[i], counters, token);
                return ValueTask.CompletedTask;
            }).ConfigureAwait(false);
        return await RecordWriter.UpsertAsync(connection, repository.Id, generation, recorded.OfType<RecordedFile>().ToList(), cancellationToken).ConfigureAwait(false);
    }

    internal RecordedFile? HashOne(string root, StagedFile file, PassCounters counters, CancellationToken cancellationToken)
    {
        string fullPath = root + file.Path;
        HashResult result = ContentHasher.Hash(fullPath, file.Identity, cancellationToken, options.WhileHashing);
        switch (result.Outcome)
        {
            case HashOutcome.Hashed:
                FileIdentity id = result.Identity;
                return new RecordedFile(file.Path, id.Size, id.ModifiedNs, id.ChangedNs, id.Inode, file.Device, result.Hash);
            case HashOutcome.Unreadable:
                writer.WriteError(new OperationError(HashReadErrorId,
                    result.Error is UnauthorizedAccessException ? ErrorKind.PermissionDenied : ErrorKind.ReadError, fullPath,
                    $"Cannot read '{fullPath}' to hash it: {result.Error?.Message} It is recorded without a hash and retried next pass."));
                return new RecordedFile(file.Path, file.Size, file.ModifiedNs, file.ChangedNs, file.Inode, file.Device, null);
            default:
                // Changed while being read, or gone: recording it now would pair metadata with the wrong content.
                counters.AddDeferred(1);
                writer.WriteVerbose($"'{fullPath}' changed while being hashed; it is left for the next pass.");
                return null;
        }
    }
}
