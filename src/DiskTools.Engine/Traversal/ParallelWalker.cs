using DiskTools.Engine.Native;

namespace DiskTools.Engine.Traversal;

/// <summary>
/// The parallel walker, for Linux: each directory is opened with openat(O_DIRECTORY|O_NOFOLLOW), listed with getdents64
/// into a large per-thread buffer and every entry is stat'ed with statx relative to the directory fd, so
/// the kernel never re-walks a path and names stay raw bytes. Threads share work by stealing.
///
/// File descriptors stay bounded: a directory's fd is closed as soon as it is listed. While it is open the
/// walker opens a few subdirectories relative to it ("pre-opened", at most <see cref="preopenBudget"/> at a
/// time across the walk) so a deep chain never needs a path walk; the other pending directories are
/// opened later by their path relative to the root's fd, component by component when the path is longer
/// than the kernel accepts in one call. Nothing recurses, so depth is limited only by memory.
/// </summary>
internal sealed unsafe class ParallelWalker
{
    private const int DentsBufferSize = 256 * 1024;
    private const int MaxPathInOneCall = 3800;

    private readonly string root;
    private readonly byte[] rootBytes;
    private readonly WalkOptions options;
    private readonly IWalkObserver observer;
    private readonly CancellationToken cancellationToken;
    private readonly WorkDeque<DirectoryWork>[] deques;
    private readonly object idleGate = new();
    private readonly int preopenBudget;
    private int preopened;
    private long outstanding;
    private int idle;
    private int anchorFd = -1;
    private ulong rootDevice;
    private Exception? failure;

    public ParallelWalker(string root, WalkOptions options, IWalkObserver observer, CancellationToken cancellationToken)
    {
        this.root = root;
        rootBytes = Encoding.UTF8.GetBytes(root);
        this.options = options;
        this.observer = observer;
        this.cancellationToken = cancellationToken;
        int threads = Math.Clamp(options.EffectiveParallelism, 1, 256);
        deques = new WorkDeque<DirectoryWork>[threads];
        for (int i = 0; i < threads; i++)
        {
            deques[i] = new WorkDeque<DirectoryWork>();
        }

        // A quarter of the descriptor limit, leaving the rest of the process (and other walks) room.
        preopenBudget = (int)Math.Clamp(ProcessLimits.OpenFiles() / 4 - threads, 8, 512);
    }

    public Task RunAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() => Run(done)) { IsBackground = true, Name = "disktools-walk-0" };
        thread.Start();
        return WalkerThreads.JoinedAsync(done.Task, thread);
    }

    private void Run(TaskCompletionSource done)
    {
        try
        {
            if (!Start())
            {
                done.TrySetResult();
                return;
            }

            using CancellationTokenRegistration wake = cancellationToken.Register(WakeAll);
            var threads = new Thread[deques.Length - 1];
            for (int i = 0; i < threads.Length; i++)
            {
                int index = i + 1;
                threads[i] = new Thread(() => Work(index)) { IsBackground = true, Name = $"disktools-walk-{index}" };
                threads[i].Start();
            }

            Work(0);
            foreach (Thread t in threads)
            {
                t.Join();
            }

            DrainLeftovers();
        }
        catch (Exception e)
        {
            failure ??= e;
        }
        finally
        {
            if (anchorFd >= 0)
            {
                Libc.Close(anchorFd);
            }
        }

        if (failure is not null)
        {
            done.TrySetException(failure);
        }
        else if (cancellationToken.IsCancellationRequested)
        {
            done.TrySetCanceled(cancellationToken);
        }
        else
        {
            done.TrySetResult();
        }
    }

    /// <summary>Stats and opens the root; false when the root is not a directory (already reported).</summary>
    private bool Start()
    {
        byte[] path = NativePath.Terminated(rootBytes);
        int statErrno = Statx.OfPath(path, Statx.NoFollowAnything, Statx.WalkMask, out StatxBuffer sx);
        if (statErrno != 0)
        {
            throw new WalkRootException(root, Errno.Name(statErrno), statErrno);
        }

        EntryStat stat = EntryStat.From(sx);
        rootDevice = stat.Device;
        if (stat.Kind != EntryKind.Directory)
        {
            var single = new DirectoryBatch(root);
            single.Reset([], stat, 0, null);
            observer.OnDirectory(single);
            return false;
        }

        int fd;
        fixed (byte* p = path)
        fixed (byte* dot = ".\0"u8)
        {
            anchorFd = Libc.OpenAt(OpenFlags.AtFdCwd, p, OpenFlags.OpenDirectory, 0);
            fd = anchorFd < 0 ? -1 : Libc.OpenAt(anchorFd, dot, OpenFlags.OpenDirectory, 0);
        }

        int openErrno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        if (fd >= 0)
        {
            Interlocked.Increment(ref preopened);
        }

        Interlocked.Increment(ref outstanding);
        deques[0].PushBottom(new DirectoryWork([], fd, stat, 0, null, openErrno));
        return true;
    }


    private void Work(int self)
    {
        byte* dents = (byte*)NativeMemory.Alloc(DentsBufferSize);
        var batch = new DirectoryBatch(root);
        var scratch = new byte[4096];
        try
        {
            while (TryTake(self, out DirectoryWork? work))
            {
                try
                {
                    if (failure is null && !cancellationToken.IsCancellationRequested)
                    {
                        Process(self, work!, batch, dents, ref scratch);
                    }
                    else
                    {
                        CloseWork(work!);
                    }
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref failure, e, null);
                    WakeAll();
                }
                finally
                {
                    if (Interlocked.Decrement(ref outstanding) == 0)
                    {
                        WakeAll();
                    }
                }
            }
        }
        finally
        {
            NativeMemory.Free(dents);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Process(int self, DirectoryWork work, DirectoryBatch batch, byte* dents, ref byte[] scratch)
    {
        batch.Reset(work.RelativePath, work.Stat, work.Depth, work.ParentState);
        int fd = work.Fd;
        if (fd >= 0)
        {
            Interlocked.Decrement(ref preopened);
        }
        else
        {
            fd = work.OpenErrno != 0 ? -work.OpenErrno : OpenByPath(work.RelativePath, ref scratch);
            if (fd < 0)
            {
                int errno = -fd;
                Report(work.RelativePath, default, errno, "open");
                batch.Complete = false;
                observer.OnDirectory(batch);
                return;
            }
        }

        try
        {
            List(fd, batch, dents);
            observer.OnDirectory(batch);
            if (cancellationToken.IsCancellationRequested || failure is not null)
            {
                return;
            }

            PushChildren(self, fd, batch);
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void List(int fd, DirectoryBatch batch, byte* dents)
    {
        WalkExclusion? exclude = options.Exclude;
        StatxBuffer sx;
        while (true)
        {
            nint read = Libc.GetDents64(fd, dents, DentsBufferSize);
            if (read == 0)
            {
                return;
            }

            if (read < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR)
                {
                    continue;
                }

                Report(batch.RelativePath, default, errno, "getdents");
                batch.Complete = false;
                return;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                batch.Complete = false;
                return;
            }

            var records = new DirentRecords(dents, read);
            while (records.Next(out ReadOnlySpan<byte> name, out byte type))
            {
                if (exclude is not null && type != DirentRecords.TypeUnknown && exclude(batch.RelativePath, name, EntryStat.KindOfDirentType(type)))
                {
                    continue;
                }

                int statResult;
                fixed (byte* namePtr = name)
                {
                    statResult = Statx.Relative(fd, namePtr, &sx);
                }

                if (statResult != 0)
                {
                    // Most often ENOENT: the entry vanished between the listing and the stat.
                    Report(batch.RelativePath, name, Marshal.GetLastPInvokeError(), "statx");
                    batch.Complete = false;
                    continue;
                }

                EntryStat stat = EntryStat.From(sx);
                if (exclude is not null && type == DirentRecords.TypeUnknown && exclude(batch.RelativePath, name, stat.Kind))
                {
                    continue;
                }

                bool visit = stat.Kind == EntryKind.Directory && (!options.OneFileSystem || stat.Device == rootDevice);
                batch.Add(name, stat, visit);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PushChildren(int self, int fd, DirectoryBatch batch)
    {
        WorkDeque<DirectoryWork> own = deques[self];
        bool pushed = false;

        // Pushed last-to-first so the owner pops them in listing order.
        for (int i = batch.Count - 1; i >= 0; i--)
        {
            if (!batch.WillVisit(i))
            {
                continue;
            }

            int childFd = -1;
            int openErrno = 0;
            if (Interlocked.Increment(ref preopened) <= preopenBudget)
            {
                fixed (byte* name = batch.TerminatedNameAt(i))
                {
                    childFd = Libc.OpenAt(fd, name, OpenFlags.OpenDirectory, 0);
                }

                if (childFd < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();

                    // Out of descriptors is not the directory's fault: it is retried by path later.
                    openErrno = errno is Errno.EMFILE or Errno.ENFILE ? 0 : errno;
                }
            }

            if (childFd < 0)
            {
                Interlocked.Decrement(ref preopened);
            }

            Interlocked.Increment(ref outstanding);
            own.PushBottom(new DirectoryWork(batch.ChildRelativePath(i), childFd, batch.StatAt(i), batch.Depth + 1, batch.State, openErrno));
            pushed = true;
        }

        if (pushed && Volatile.Read(ref idle) > 0)
        {
            WakeAll();
        }
    }

    private int OpenByPath(byte[] relative, ref byte[] scratch)
    {
        if (relative.Length + 1 > scratch.Length)
        {
            scratch = new byte[Math.Max(relative.Length + 1, scratch.Length * 2)];
        }

        if (relative.Length <= MaxPathInOneCall)
        {
            relative.CopyTo(scratch, 0);
            scratch[relative.Length] = 0;
            fixed (byte* p = scratch)
            {
                int fd = Libc.OpenAt(anchorFd, p, OpenFlags.OpenDirectory, 0);
                return fd >= 0 ? fd : -Marshal.GetLastPInvokeError();
            }
        }

        // Longer than PATH_MAX allows: one component at a time, holding at most two descriptors.
        int current = anchorFd;
        int start = 0;
        while (start < relative.Length)
        {
            int end = Array.IndexOf(relative, (byte)'/', start);
            if (end < 0)
            {
                end = relative.Length;
            }

            int length = end - start;
            Array.Copy(relative, start, scratch, 0, length);
            scratch[length] = 0;
            int next;
            fixed (byte* p = scratch)
            {
                next = Libc.OpenAt(current, p, OpenFlags.OpenDirectory, 0);
            }

            int errno = next < 0 ? Marshal.GetLastPInvokeError() : 0;
            if (current != anchorFd)
            {
                Libc.Close(current);
            }

            if (next < 0)
            {
                return -errno;
            }

            current = next;
            start = end + 1;
        }

        return current;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool TryTake(int self, out DirectoryWork? work)
    {
        while (true)
        {
            if (deques[self].TryPopBottom(out work))
            {
                return true;
            }

            for (int i = 1; i < deques.Length; i++)
            {
                if (deques[(self + i) % deques.Length].TryStealTop(out work))
                {
                    return true;
                }
            }

            if (Interlocked.Read(ref outstanding) == 0)
            {
                return false;
            }

            lock (idleGate)
            {
                idle++;
                if (Interlocked.Read(ref outstanding) != 0 && !AnyQueued())
                {
                    Monitor.Wait(idleGate, 20);
                }

                idle--;
            }
        }
    }

    private bool AnyQueued()
    {
        foreach (WorkDeque<DirectoryWork> deque in deques)
        {
            if (deque.Count > 0)
            {
                return true;
            }
        }

        return false;
    }

    private void WakeAll()
    {
        lock (idleGate)
        {
            Monitor.PulseAll(idleGate);
        }
    }

    private void DrainLeftovers()
    {
        foreach (WorkDeque<DirectoryWork> deque in deques)
        {
            while (deque.TryPopBottom(out DirectoryWork? work))
            {
                CloseWork(work!);
            }
        }
    }

    private void CloseWork(DirectoryWork work)
    {
        if (work.Fd >= 0)
        {
            Libc.Close(work.Fd);
            Interlocked.Decrement(ref preopened);
        }
    }

    private void Report(ReadOnlySpan<byte> relative, ReadOnlySpan<byte> name, int errno, string operation)
    {
        byte[] rel = NativePath.Join(relative, name);
        byte[] full = NativePath.Join(rootBytes, rel);
        observer.OnError(new WalkError(PathText.Join(root, rel), full, Errno.Name(errno), errno, operation, WalkErrorSeverity.Warning));
    }

    private sealed record DirectoryWork(byte[] RelativePath, int Fd, EntryStat Stat, int Depth, object? ParentState, int OpenErrno);
}
