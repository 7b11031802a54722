namespace DiskTools.Engine.Traversal;

/// <summary>
/// A walk runs on threads of its own and reports its end through a task its first thread completes as
/// its last act. The caller must not go on while that thread is still on its way out: a cmdlet that
/// returns promises its work has ended, so the task given to callers completes only once the thread has.
/// </summary>
internal static class WalkerThreads
{
    public static async Task JoinedAsync(Task walk, Thread thread)
    {
        await walk.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        // The thread has set the task's result and has nothing left to do but return: this wait is short.
        thread.Join();
        await walk.ConfigureAwait(false);
    }
}
