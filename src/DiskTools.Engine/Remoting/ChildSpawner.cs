using System.Runtime.ExceptionServices;

namespace DiskTools.Engine.Remoting;

/// <summary>
/// Starts child processes from one dedicated thread that lives as long as the process. A child's
/// parent-death signal (PR_SET_PDEATHSIG, set by <c>setpriv --pdeathsig</c>) fires when the *thread* that
/// forked it ends, not only the process; a thread-pool thread retiring after idle time would otherwise kill
/// a long rsync in mid-transfer.
/// A request may name descriptors the child inherits (a session's lock, for the session's own children):
/// they are close-on-exec everywhere else, and only while this thread starts that child are they not, so
/// no other program started in the same process (a database server, another cmdlet's tool) inherits them.
/// </summary>
internal static class ChildSpawner
{
    private static readonly BlockingCollection<Request> Requests = [];
    private static readonly Thread Spawner = CreateThread();
    private static readonly Lock StartGate = new();

    /// <summary>Runs <see cref="Process.Start()"/> on the spawner thread and waits for it; rethrows what it threw.</summary>
    /// <param name="process">The process to start.</param>
    /// <param name="inherit">Close-on-exec descriptors this child (and only this one) inherits.</param>
    public static void Start(Process process, IReadOnlyCollection<int>? inherit = null)
    {
        _ = Spawner;
        using var request = new Request(process, inherit ?? []);
        Requests.Add(request);
        request.Done.Wait();
        request.Failure?.Throw();
    }

    /// <summary>Closes a descriptor children may be given, never while one is being started with it.</summary>
    public static void Close(Action close)
    {
        ArgumentNullException.ThrowIfNull(close);
        lock (StartGate)
        {
            close();
        }
    }

    private static Thread CreateThread()
    {
        var thread = new Thread(Run) { IsBackground = true, Name = "DiskTools child spawner" };
        thread.Start();
        return thread;
    }

    private static void Run()
    {
        foreach (Request request in Requests.GetConsumingEnumerable())
        {
            try
            {
                lock (StartGate)
                {
                    foreach (int fd in request.Inherit)
                    {
                        Sync.Safety.PosixFiles.SetInheritable(fd, true);
                    }

                    try
                    {
                        request.Process.Start();
                    }
                    finally
                    {
                        foreach (int fd in request.Inherit)
                        {
                            Sync.Safety.PosixFiles.SetInheritable(fd, false);
                        }
                    }
                }
            }
            catch (Exception e)
            {
                request.Failure = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                request.Done.Set();
            }
        }
    }

    private sealed class Request(Process process, IReadOnlyCollection<int> inherit) : IDisposable
    {
        public Process Process { get; } = process;

        public IReadOnlyCollection<int> Inherit { get; } = inherit;

        public ManualResetEventSlim Done { get; } = new();

        public ExceptionDispatchInfo? Failure { get; set; }

        public void Dispose() => Done.Dispose();
    }
}
