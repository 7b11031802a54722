using DiskTools.Engine.Native;
using DiskTools.Engine.Traversal;

namespace DiskTools.Engine.Reconciliation;

/// <summary>
/// Turns the shared walker's per-directory callbacks into stage rows: each directory's regular files become
/// one array on a bounded channel (the single COPY writer drains it), directories that could not be listed
/// completely are remembered (they block orphan deletion beneath them), ignored entries are excluded before
/// the walker enters them, and a name that is not valid UTF-8 — which a PostgreSQL text column cannot hold —
/// is reported as an error and left out, never dropped silently.
/// </summary>
internal sealed class WalkStager : IWalkObserver
{
    private readonly string root;
    private readonly IgnoreRules rules;
    private readonly ChannelWriter<StagedFile[]> output;
    private readonly IOutputWriter writer;
    private readonly ConcurrentQueue<string> incomplete = new();
    private readonly CancellationToken cancellationToken;
    private long files;
    private long directories;

    private readonly string scope;
    private readonly byte[] scopeBytes;

    /// <param name="scope">The walked directory relative to the root ("" for the root itself).</param>
    public WalkStager(string root, string scope, IgnoreRules rules, ChannelWriter<StagedFile[]> output, IOutputWriter writer, CancellationToken cancellationToken)
    {
        this.cancellationToken = cancellationToken;
        this.root = root;
        this.scope = scope;
        scopeBytes = Encoding.UTF8.GetBytes(scope);
        this.rules = rules;
        this.output = output;
        this.writer = writer;
    }

    public long Files => Interlocked.Read(ref files);

    public long Directories => Interlocked.Read(ref directories);

    /// <summary>Relative paths of directories not listed completely ("" for the root).</summary>
    public IReadOnlyCollection<string> IncompleteDirectories => incomplete;

    public WalkOptions Options(int parallelism) => new() { Parallelism = parallelism, Exclude = Exclude };

    public void OnDirectory(IWalkedDirectory directory)
    {
        Interlocked.Increment(ref directories);
        string relative = Prefixed(directory.Depth == 0 ? string.Empty : Encoding.UTF8.GetString(directory.RelativePath));
        if (!directory.Complete)
        {
            incomplete.Enqueue(relative);
        }

        List<StagedFile>? batch = null;
        for (int i = 0; i < directory.Count; i++)
        {
            WalkedEntry entry = directory[i];
            if (entry.Stat.Kind != EntryKind.File)
            {
                continue;
            }

            string name = Encoding.UTF8.GetString(entry.Name);
            EntryStat stat = entry.Stat;
            (batch ??= new List<StagedFile>(directory.Count)).Add(new StagedFile(
                relative.Length == 0 ? name : relative + "/" + name, stat.Size, stat.Modified.UnixNanoseconds, stat.Modified.PostgresMicroseconds,
                stat.ChangedNs, stat.Inode, stat.Device));
        }

        if (batch is not null)
        {
            Interlocked.Add(ref files, batch.Count);
            // Blocking here is the back-pressure that keeps memory flat when the database is the slow side.
            StagedFile[] rows = batch.ToArray();
            while (!output.TryWrite(rows))
            {
                if (!output.WaitToWriteAsync(cancellationToken).AsTask().GetAwaiter().GetResult())
                {
                    return;
                }
            }
        }
    }

    public void OnError(WalkError error)
    {
        ErrorKind kind = error.ErrorCode switch
        {
            "EACCES" or "EPERM" => ErrorKind.PermissionDenied,
            "ENOENT" => ErrorKind.ObjectNotFound,
            _ => ErrorKind.ReadError,
        };
        writer.WriteError(new OperationError(ErrorIds.InventoryWalkError, kind, error.Path,
            error.Message + " Records beneath it are kept until it can be read again."));
    }

    private string Prefixed(string relativeToWalk)
        => scope.Length == 0 ? relativeToWalk : relativeToWalk.Length == 0 ? scope : scope + "/" + relativeToWalk;

    /// <summary>The walker's exclusion hook: the default rules first, then UTF-8 validity, then the -Exclude patterns.</summary>
    private bool Exclude(ReadOnlySpan<byte> parentRelativePath, ReadOnlySpan<byte> name, EntryKind kind)
    {
        if (kind is EntryKind.Symlink or EntryKind.Other)
        {
            return true;
        }

        // The rules see paths from the repository root; a walk of a part of it is prefixed with that part.
        ReadOnlySpan<byte> parent = scopeBytes.Length == 0 ? parentRelativePath : NativePath.Join(scopeBytes, parentRelativePath);
        bool isDirectory = kind == EntryKind.Directory;
        if (rules.IsIgnoredByDefault(parent, name, isDirectory))
        {
            return true;
        }

        if (!System.Text.Unicode.Utf8.IsValid(name))
        {
            string display = PathText.Join(root, NativePath.Join(parent, name));
            writer.WriteError(new OperationError(ErrorIds.InventoryPathNotUtf8, ErrorKind.InvalidData, display,
                $"'{display}' is not valid UTF-8 and cannot be stored in the inventory; it is left out{(isDirectory ? " with everything beneath it" : string.Empty)}. Rename it to a UTF-8 name to have it recorded."));
            return true;
        }

        return rules.HasPatterns && rules.IsExcluded(parent, name, isDirectory);
    }
}
