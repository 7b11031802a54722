using System.IO.Enumeration;
using DiskTools.Engine.Native;

namespace DiskTools.Engine.Traversal;

/// <summary>
/// The sequential walker, portable: .NET's managed directory enumeration on one thread with an explicit stack (no
/// recursion). .NET exposes no st_blocks, inode, device or link count, so on Linux each entry is
/// lstat'ed by its full path (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW), the same call as lstat);
/// elsewhere (Windows, macOS) the gaps are filled from FileSystemInfo: AllocatedBytes = Length, Device,
/// Inode = 0 and LinkCount = 1 (no hard-link detection), ChangedNs = last write time.
/// Known limits, by design of full-path access: paths longer than PATH_MAX fail with ENAMETOOLONG; names
/// that are not valid UTF-8 cannot be carried by .NET strings, so on Linux such a directory is re-listed
/// with getdents64 to keep the exact bytes.
/// </summary>
internal sealed unsafe class SequentialWalker
{
    private readonly string root;
    private readonly WalkOptions options;
    private readonly IWalkObserver observer;
    private readonly CancellationToken cancellationToken;
    private readonly bool linux = Libc.IsSupported;
    private readonly string rootForPaths;

    public SequentialWalker(string root, WalkOptions options, IWalkObserver observer, CancellationToken cancellationToken)
    {
        this.root = root;
        rootForPaths = root.Length > 1 ? root.TrimEnd('/') : root;
        this.options = options;
        this.observer = observer;
        this.cancellationToken = cancellationToken;
    }

    public Task RunAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Run();
                if (cancellationToken.IsCancellationRequested)
                {
                    done.TrySetCanceled(cancellationToken);
                }
                else
                {
                    done.TrySetResult();
                }
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        })
        { IsBackground = true, Name = "disktools-walk-sequential" };
        thread.Start();
        return WalkerThreads.JoinedAsync(done.Task, thread);
    }

    private void Run()
    {
        byte[] rootBytes = Encoding.UTF8.GetBytes(root);
        if (!TryStat(rootBytes, root, out EntryStat rootStat, out int rootErrno, out string rootCode))
        {
            throw new WalkRootException(root, rootCode, rootErrno);
        }

        var batch = new DirectoryBatch(root);
        if (rootStat.Kind != EntryKind.Directory)
        {
            batch.Reset([], rootStat, 0, null);
            observer.OnDirectory(batch);
            return;
        }

        var pending = new Stack<(byte[] Relative, EntryStat Stat, int Depth, object? ParentState)>();
        pending.Push(([], rootStat, 0, null));
        var names = new List<(byte[] Name, string? Text)>();
        while (pending.Count > 0 && !cancellationToken.IsCancellationRequested)
        {
            var (relative, stat, depth, parentState) = pending.Pop();
            batch.Reset(relative, stat, depth, parentState);
            byte[] fullBytes = NativePath.Join(rootBytes, relative);
            string fullText = Path.Join(rootForPaths, Encoding.UTF8.GetString(relative));
            if (relative.Length == 0)
            {
                fullText = root;
            }

            ListNames(fullText, fullBytes, relative, names, batch);
            foreach (var (name, text) in names)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    batch.Complete = false;
                    break;
                }

                byte[] entryBytes = NativePath.Join(fullBytes, name);
                string entryText = text is null ? PathText.Decode(entryBytes) : Path.Join(fullText, text);
                if (!TryStat(entryBytes, entryText, out EntryStat entry, out int errno, out string code))
                {
                    Report(NativePath.Join(relative, name), errno, code, "statx");
                    batch.Complete = false;
                    continue;
                }

                if (options.Exclude is not null && options.Exclude(relative, name, entry.Kind))
                {
                    continue;
                }

                bool visit = entry.Kind == EntryKind.Directory && (!options.OneFileSystem || entry.Device == rootStat.Device);
                batch.Add(name, entry, visit);
            }

            observer.OnDirectory(batch);

            for (int i = batch.Count - 1; i >= 0; i--)
            {
                if (batch.WillVisit(i))
                {
                    pending.Push((batch.ChildRelativePath(i), batch.StatAt(i), depth + 1, batch.State));
                }
            }
        }
    }

    private void ListNames(string path, byte[] pathBytes, byte[] relative, List<(byte[] Name, string? Text)> names, DirectoryBatch batch)
    {
        names.Clear();
        if (linux && !System.Text.Unicode.Utf8.IsValid(pathBytes))
        {
            // .NET cannot name this directory at all: list it by its exact bytes.
            int errno = RawNames(pathBytes, names);
            if (errno != 0)
            {
                Report(relative, errno, Errno.Name(errno), "open");
                batch.Complete = false;
            }

            return;
        }

        bool lossy = false;
        try
        {
            var enumeration = new FileSystemEnumerable<string>(
                path,
                (ref FileSystemEntry entry) => entry.FileName.ToString(),
                new EnumerationOptions { IgnoreInaccessible = false, AttributesToSkip = 0, RecurseSubdirectories = false, ReturnSpecialDirectories = false });
            foreach (string name in enumeration)
            {
                lossy |= name.Contains('\uFFFD', StringComparison.Ordinal);
                names.Add((Encoding.UTF8.GetBytes(name), name));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            (int errno, string code) = Errno.FromException(e);
            Report(relative, errno, code, names.Count == 0 ? "open" : "enumerate");
            batch.Complete = false;
            return;
        }

        if (lossy && linux)
        {
            // A name that is not UTF-8 came back with U+FFFD: only the raw bytes can be stat'ed.
            names.Clear();
            int errno = RawNames(pathBytes, names);
            if (errno != 0)
            {
                Report(relative, errno, Errno.Name(errno), "open");
                batch.Complete = false;
            }
        }
    }

    private static int RawNames(byte[] directory, List<(byte[] Name, string? Text)> result)
    {
        byte* buffer = (byte*)NativeMemory.Alloc(32 * 1024);
        int fd;
        fixed (byte* p = NativePath.Terminated(directory))
        {
            fd = Libc.OpenAt(OpenFlags.AtFdCwd, p, OpenFlags.OpenDirectory, 0);
        }

        int error = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        try
        {
            nint read;
            while (fd >= 0 && (read = Libc.GetDents64(fd, buffer, 32 * 1024)) > 0)
            {
                var records = new DirentRecords(buffer, read);
                while (records.Next(out ReadOnlySpan<byte> name, out _))
                {
                    result.Add((name.ToArray(), null));
                }
            }
        }
        finally
        {
            if (fd >= 0)
            {
                Libc.Close(fd);
            }

            NativeMemory.Free(buffer);
        }

        return error;
    }

    private bool TryStat(byte[] pathBytes, string pathText, out EntryStat stat, out int errno, out string code)
    {
        if (linux)
        {
            errno = Statx.OfPath(NativePath.Terminated(pathBytes), Statx.NoFollowAnything, Statx.WalkMask, out StatxBuffer sx);
            code = errno == 0 ? string.Empty : Errno.Name(errno);
            stat = errno == 0 ? EntryStat.From(sx) : default;
            return errno == 0;
        }

        try
        {
            FileSystemInfo info = Directory.Exists(pathText) ? new DirectoryInfo(pathText) : new FileInfo(pathText);
            if (!info.Exists && info.LinkTarget is null)
            {
                (errno, code, stat) = (0, "ENOENT", default);
                return false;
            }

            EntryKind kind = info.LinkTarget is not null ? EntryKind.Symlink : info is DirectoryInfo ? EntryKind.Directory : EntryKind.File;
            long length = info is FileInfo file && kind == EntryKind.File ? file.Length : 0;
            FileTimestamp modified = FileTimestamp.FromDateTime(info.LastWriteTimeUtc);
            stat = new EntryStat(kind, length, length, 0, 0, 1, 0, modified, modified.UnixNanoseconds);
            (errno, code) = (0, string.Empty);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            (errno, code) = Errno.FromException(e);
            stat = default;
            return false;
        }
    }

    private void Report(byte[] relative, int errno, string code, string operation)
    {
        byte[] full = NativePath.Join(Encoding.UTF8.GetBytes(root), relative);
        observer.OnError(new WalkError(PathText.Join(root, relative), full, code, errno, operation, WalkErrorSeverity.Warning));
    }
}
