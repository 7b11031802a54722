using System.Runtime.ExceptionServices;

namespace DiskTools.Engine.Remoting;

/// <summary>
/// Starts child processes from one dedicated thread that lives as long as the process. A child's
/// parent-death signal (PR_SET_PDEATHSIG, set by <c>setpriv --pdeathsig</c>) fires when the *thread* that
/// forked it ends, not only the process; a thread-pool thread retiring after idle time would otherwise kill
/// a long rsync in mid-transfer.
/// </summary>
internal static class ChildSpawner
{
    private static readonly BlockingCollection<Request> Requests = [];
    private static readonly Thread Spawner = CreateThread();

    /// <summary>Runs <see cref="Process.Start()"/> on the spawner thread and waits for it; rethrows what it threw.</summary>
    /// <param name="process">The process to start.</param>
    public static void Start(Process process)
    {
        _ = Spawner;
        using var request = new Request(process);
        Requests.Add(request);
        request.Done.Wait();
        request.Failure?.Throw();
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
                request.Process.Start();
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

    private sealed class Request(Process process) : IDisposable
    {
        public Process Process { get; } = process;

        public ManualResetEventSlim Done { get; } = new();

        public ExceptionDispatchInfo? Failure { get; set; }

        public void Dispose() => Done.Dispose();
    }
}
