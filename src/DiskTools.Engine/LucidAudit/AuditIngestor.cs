using DiskTools.Engine.Reconciliation;
using DiskTools.Engine.Storage;

namespace DiskTools.Engine.LucidAudit;

/// <summary>
/// Keeps an inventory's access times current from a LucidLink filespace's audit trail. A pass finds every
/// audit log, reads each from its cursor in parallel (bounded), stages the events with binary COPY (each
/// chunk and its cursor's staged position in one transaction), then applies everything pending in one
/// set-based transaction that also moves the cursors. Staged-but-unapplied events from a pass that died are
/// applied by the next one, so nothing is lost or applied twice.
/// </summary>
public sealed class AuditIngestor
{
    private const int ProgressActivityId = 0x4C41;

    private readonly InventoryDatabase database;
    private readonly InventoryRoot inventoryRoot;
    private readonly AuditIngestOptions options;
    private readonly IOutputWriter writer;
    private bool warnedNoAuditFolder;

    private AuditIngestor(InventoryDatabase database, InventoryRoot inventoryRoot, AuditIngestOptions options, IOutputWriter writer)
    {
        this.database = database;
        this.inventoryRoot = inventoryRoot;
        this.options = options;
        this.writer = writer;
    }

    public string Root => inventoryRoot.RootPath;

    /// <summary>Test seam: runs after staging and before the apply transaction of every round.</summary>
    internal Func<CancellationToken, Task>? BeforeApply { get; set; }

    /// <summary>Opens the ingest of a root (a mounted LucidLink filespace), which must be registered.</summary>
    public static async Task<AuditIngestor> OpenAsync(InventoryDatabase database, string rootPath, AuditIngestOptions options, IOutputWriter writer, CancellationToken cancellationToken)
    {
        string root = Reconciler.NormaliseRoot(rootPath);
        InventoryRoot inventoryRoot = await RootStore.RequireAsync(database, root, cancellationToken).ConfigureAwait(false);
        return new AuditIngestor(database, inventoryRoot, options, writer);
    }

    /// <summary>
    /// Runs passes: one when <paramref name="pollInterval"/> is null, otherwise until cancelled, pausing
    /// between passes. Each pass's result and warming events go to the writer. A pass that fails on the
    /// database is reported and retried at the next poll.
    /// </summary>
    public async Task WatchAsync(TimeSpan? pollInterval, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                writer.WriteObject(await RunPassAsync(cancellationToken).ConfigureAwait(false));
            }
            catch (Exception e) when (IsRetryable(e) && !cancellationToken.IsCancellationRequested)
            {
                if (pollInterval is null)
                {
                    if (e is DiskToolsException)
                    {
                        throw;
                    }

                    throw (DiskToolsException)Failed(e).Exception;
                }

                // Watching: the database may be back by the next poll, and nothing staged is lost meanwhile.
                writer.WriteError(e is DiskToolsException known ? known.ToError() : Failed(e));
            }

            if (pollInterval is null)
            {
                return;
            }

            await Task.Delay(pollInterval.Value, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One pass; returns its result. Warming events and reports go to the writer as they happen.</summary>
    public async Task<AuditIngestResult> RunPassAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var counters = new PassCounters();
        var throttle = new ProgressThrottle();
        try
        {
            await using NpgsqlConnection connection = await database.ConnectAsync(cancellationToken).ConfigureAwait(false);
            await AuditPassLock.AcquireAsync(connection, options.Tenant, inventoryRoot.Id, Root, cancellationToken).ConfigureAwait(false);
            try
            {
                await AuditCursorStore.EnsureOwnerAsync(connection, options.Tenant, inventoryRoot.Id, Root, cancellationToken).ConfigureAwait(false);
                bool more;
                do
                {
                    (more, bool pending) = await StageRoundAsync(connection, counters, throttle, cancellationToken).ConfigureAwait(false);
                    if (!pending)
                    {
                        // Nothing new and nothing left over: an idle pass stops here, without a transaction.
                        break;
                    }

                    if (BeforeApply is not null)
                    {
                        await BeforeApply(cancellationToken).ConfigureAwait(false);
                    }

                    ApplyOutcome outcome = await AuditApplier.ApplyAsync(connection, options.Tenant, inventoryRoot.Id, Root, options.LargeRoundLines, cancellationToken).ConfigureAwait(false);
                    counters.Applied += outcome.Applied;
                    counters.Unmatched += outcome.Unmatched;
                    counters.Warming += outcome.Warming.Count;
                    if (outcome.Unmatched > 0)
                    {
                        writer.WriteWarning($"{outcome.Unmatched:N0} audit event(s) of '{Root}' name paths not in the inventory (e.g. '{outcome.SampleUnmatched}'); they were queued in lucid_audit_unmatched.");
                    }

                    foreach (WarmingEvent warming in outcome.Warming)
                    {
                        writer.WriteObject(warming);
                    }
                }
                while (more);

                await RemoveOldStagingAsync(connection, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await AuditPassLock.ReleaseAsync(connection, options.Tenant, inventoryRoot.Id).ConfigureAwait(false);
            }
        }
        finally
        {
            if (throttle.HasEmitted)
            {
                writer.WriteProgress(new ProgressInfo(ProgressActivityId, "Reading LucidLink audit logs", "Done", Completed: true));
            }
        }

        DateTimeOffset? newest = counters.NewestMicros == 0 ? null : new DateTimeOffset(DateTime.UnixEpoch.AddTicks(counters.NewestMicros * 10));
        return new AuditIngestResult
        {
            Tenant = options.Tenant,
            Root = Root,
            StartTime = started,
            Files = counters.Files,
            FilesFound = counters.FilesFound,
            EventsRead = counters.EventsRead,
            Applied = counters.Applied,
            Unmatched = counters.Unmatched,
            Rejected = counters.Rejected,
            Malformed = counters.Malformed,
            Ignored = counters.Ignored,
            UnknownActions = counters.UnknownActions,
            LogsSetAside = counters.SetAside,
            Warming = counters.Warming,
            NewestEvent = newest,
            Lag = newest is null ? null : DateTimeOffset.UtcNow - newest.Value,
            Duration = clock.Elapsed,
        };
    }

    /// <summary>
    /// Stages new lines of every log, in parallel. More: the round budget stopped it early. Pending: there is
    /// something to apply (staged now, or left staged by a pass that died before applying).
    /// </summary>
    private async Task<(bool More, bool Pending)> StageRoundAsync(NpgsqlConnection connection, PassCounters counters, ProgressThrottle throttle, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(AuditTreeDiscovery.AuditFolder(Root)) && !warnedNoAuditFolder)
        {
            warnedNoAuditFolder = true;
            writer.WriteWarning($"'{Root}' has no {AuditTreeDiscovery.AuditFolderName} folder: is the audit trail enabled for this filespace?");
        }

        IReadOnlyList<AuditLogFile> logs = AuditTreeDiscovery.Discover(Root, (path, why) => writer.WriteVerbose($"Ignoring {path}: {why}."));
        counters.FilesFound = logs.Count;
        Dictionary<(string, string), StoredCursor> cursors = await AuditCursorStore.LoadAsync(connection, options.Tenant, inventoryRoot.Id, cancellationToken).ConfigureAwait(false);
        List<AuditLogFile> fresh = logs.Where(l => !cursors.ContainsKey((l.NodeId, l.BeginStem))).ToList();
        if (fresh.Count > 0)
        {
            await AuditCursorStore.CreateAsync(connection, options.Tenant, inventoryRoot.Id, fresh, cancellationToken).ConfigureAwait(false);
            cursors = await AuditCursorStore.LoadAsync(connection, options.Tenant, inventoryRoot.Id, cancellationToken).ConfigureAwait(false);
        }

        // A log whose size equals its cursor has nothing new: not even opened (this keeps idle passes cheap).
        var work = new List<(AuditLogFile Log, StoredCursor Cursor)>();
        foreach (AuditLogFile log in logs)
        {
            StoredCursor cursor = cursors[(log.NodeId, log.BeginStem)];
            if (cursor.SetAside)
            {
                // Reported when it was set aside; said again only when asked for detail.
                writer.WriteVerbose($"Not reading {log.FullPath}: it was set aside when it no longer matched its cursor.");
                continue;
            }

            if (log.Length != cursor.Staged.Position)
            {
                work.Add((log, cursor));
            }
        }

        bool leftOver = cursors.Values.Any(c => c.Unapplied);
        long budget = options.RoundEvents;
        long staged = 0;
        int stagedChunks = 0;
        bool stoppedEarly = false;
        int done = 0;
        await Parallel.ForEachAsync(
            work,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.MaxConcurrency), CancellationToken = cancellationToken },
            async (item, token) =>
            {
                bool readSomething = await StageLogAsync(item.Log, item.Cursor, counters, () => Interlocked.Read(ref staged) < budget, n => Interlocked.Add(ref staged, n), token).ConfigureAwait(false);
                if (readSomething)
                {
                    Interlocked.Increment(ref stagedChunks);
                }

                if (Interlocked.Read(ref staged) >= budget)
                {
                    stoppedEarly = true;
                }

                if (readSomething)
                {
                    counters.AddFile();
                }

                int finished = Interlocked.Increment(ref done);
                if (throttle.TryEnter())
                {
                    writer.WriteProgress(new ProgressInfo(ProgressActivityId, "Reading LucidLink audit logs",
                        $"{finished} of {work.Count} logs, {counters.EventsRead:N0} events", work.Count == 0 ? -1 : finished * 100 / work.Count,
                        item.Log.RelativePath));
                }
            }).ConfigureAwait(false);
        return (stoppedEarly, leftOver || stagedChunks > 0);
    }

    /// <summary>Reads and stages one log chunk by chunk; true when any complete line was consumed.</summary>
    private async Task<bool> StageLogAsync(AuditLogFile log, StoredCursor cursor, PassCounters counters, Func<bool> withinBudget, Action<long> addStaged, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await database.ConnectAsync(cancellationToken).ConfigureAwait(false);
        bool readSomething = false;
        int reported = 0;
        long unreported = 0;
        long unknownActions = 0;
        string? sampleUnknown = null;
        DateTime earliest = log.BeginUtc - options.MaxPastSkew > DateTime.MinValue.AddDays(1) ? log.BeginUtc - options.MaxPastSkew : DateTime.MinValue;
        while (withinBudget())
        {
            var builder = new AuditBatchBuilder(cursor.Staged.AuditFile, DateTime.UtcNow, options.MaxFutureSkew, earliest);
            AuditReadResult read;
            try
            {
                read = AuditLogReader.Read(log, cursor.Staged, options.ChunkLines, builder.Add, builder.AddOversized, cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                writer.WriteError(new OperationError(ErrorIds.LucidAuditLogUnreadable, e is UnauthorizedAccessException ? ErrorKind.PermissionDenied : ErrorKind.ReadError, log.FullPath,
                    $"Cannot read audit log {log.FullPath}: {e.Message}"));
                break;
            }

            if (read.Status is AuditReadStatus.Truncated or AuditReadStatus.Replaced)
            {
                string why = read.Status == AuditReadStatus.Truncated ? "shorter than" : "no longer the log behind";
                if (await AuditCursorStore.SetAsideAsync(connection, cursor, $"{why} its cursor (byte {cursor.Staged.Position})", cancellationToken).ConfigureAwait(false))
                {
                    counters.AddSetAside();
                    writer.WriteError(new OperationError(ErrorIds.LucidAuditLogChanged, ErrorKind.InvalidData, log.FullPath,
                        $"Audit log {log.FullPath} is {why} its cursor (byte {cursor.Staged.Position:N0}); it was rewritten or replaced, and is set aside: it is not read again, so no event is applied twice. This is reported once."));
                }

                break;
            }

            if (read.Status == AuditReadStatus.Vanished || read.Lines == 0)
            {
                break;
            }

            foreach (var (refusedEvent, reason) in await AuditCursorStore.StageAsync(connection, cursor, read.Cursor, builder.Staged, Root, cancellationToken).ConfigureAwait(false))
            {
                builder.Refuse(refusedEvent, reason);
            }

            foreach (MalformedAuditLine bad in builder.MalformedLines.OrderBy(m => m.LineNumber))
            {
                if (reported++ < options.MaxReportedMalformedPerFile)
                {
                    writer.WriteError(new OperationError(ErrorIds.LucidAuditLineMalformed, ErrorKind.InvalidData, log.FullPath,
                        $"{bad.AuditFile} line {bad.LineNumber}: {bad.Reason}; skipped."));
                }
                else
                {
                    unreported++;
                }
            }

            readSomething = true;
            cursor = cursor with { Staged = read.Cursor };
            counters.Add(builder);
            addStaged(builder.Staged.Count);
            unknownActions += builder.UnknownActions;
            sampleUnknown ??= builder.SampleUnknownAction;
            if (read.ReachedEnd)
            {
                break;
            }
        }

        if (unreported > 0)
        {
            writer.WriteWarning($"{unreported:N0} more malformed line(s) in {log.FullPath} were skipped without a report each.");
        }

        if (unknownActions > 0)
        {
            writer.WriteWarning($"{unknownActions:N0} event(s) in {log.FullPath} have an action this version of DiskTools does not know (e.g. {sampleUnknown}); they were counted and not applied.");
        }

        return readSomething;
    }

    private async Task RemoveOldStagingAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(AuditSql.RemoveOldStaging, connection) { CommandTimeout = 0 };
        command.AddValues(options.Tenant, inventoryRoot.Id, options.StagingRetention);
        int removed = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        if (removed > 0)
        {
            writer.WriteVerbose($"Removed {removed:N0} applied staging row(s) older than {options.StagingRetention}.");
        }
    }

    private static bool IsRetryable(Exception e) => e switch
    {
        DiskToolsException known => known.Kind is ErrorKind.ConnectionError or ErrorKind.ResourceUnavailable,
        NpgsqlException or IOException or TimeoutException => true,
        _ => false,
    };

    private OperationError Failed(Exception e)
        => DatabaseErrors.Classify(database, e, connecting: false) is { } trouble
            ? new DiskToolsException(trouble.ErrorId, trouble.Kind, $"Audit ingest of '{Root}' stopped; whatever was staged is applied by the next pass. {trouble.Message}", trouble.Target, e).ToError()
            : new(ErrorIds.LucidAuditPassFailed, e is DiskToolsException known ? known.Kind : ErrorKind.ConnectionError, Root,
            new DiskToolsException(ErrorIds.LucidAuditPassFailed, ErrorKind.ConnectionError,
                database.Scrub($"Audit ingest of '{Root}' failed; whatever was staged is applied by the next pass: {e.Message}"), Root, e));

    /// <summary>Thread-safe counts for one pass.</summary>
    private sealed class PassCounters
    {
        private readonly Lock gate = new();
        private long newest;

        public int Files { get; private set; }

        public int FilesFound { get; set; }

        public long EventsRead { get; private set; }

        public long Malformed { get; private set; }

        public long Rejected { get; private set; }

        public long Ignored { get; private set; }

        public long UnknownActions { get; private set; }

        public int SetAside { get; private set; }

        public long Applied { get; set; }

        public long Unmatched { get; set; }

        public long Warming { get; set; }

        public long NewestMicros => Interlocked.Read(ref newest);

        public void AddFile()
        {
            lock (gate)
            {
                Files++;
            }
        }

        public void AddSetAside()
        {
            lock (gate)
            {
                SetAside++;
            }
        }

        public void Add(AuditBatchBuilder batch)
        {
            lock (gate)
            {
                EventsRead += batch.EventsRead;
                Malformed += batch.Malformed;
                Rejected += batch.Rejected;
                Ignored += batch.Ignored;
                UnknownActions += batch.UnknownActions;
                newest = Math.Max(newest, batch.NewestMicros);
            }
        }
    }
}
