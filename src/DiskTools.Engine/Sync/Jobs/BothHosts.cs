using DiskTools.Engine.Sync.Logging;

namespace DiskTools.Engine.Sync.Jobs;

/// <summary>
/// The same step on the source and the target at once. When one side fails the other is cancelled and
/// awaited before the failure is reported: a session that has failed must not go on changing a host —
/// a snapshot finishing on the target seconds after the session reported Failed is exactly that.
/// </summary>
internal static class BothHosts
{
    public static async Task<(T Source, T Target)> RunAsync<T>(Func<SyncHost, CancellationToken, Task<T>> step, CancellationToken cancellationToken)
    {
        using var sides = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Exception? first = null;

        async Task<T> Side(SyncHost host)
        {
            try
            {
                return await step(host, sides.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // The first failure is the one to report; the other side's cancellation follows from it.
                Interlocked.CompareExchange(ref first, e, null);
                await sides.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }

        Task<T> source = Side(SyncHost.Source);
        Task<T> target = Side(SyncHost.Target);
        await ((Task)Task.WhenAll(source, target)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (first is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
        }

        return (source.Result, target.Result);
    }
}
