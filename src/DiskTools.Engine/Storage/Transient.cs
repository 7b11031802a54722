namespace DiskTools.Engine.Storage;

/// <summary>Which database failures are worth retrying, and the backoff used to retry them.</summary>
internal static class Transient
{
    public static readonly TimeSpan[] Backoff =
        [TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)];

    /// <summary>
    /// Connection-level failures (refused, reset, the server shutting down or starting up) and
    /// serialisation failures are transient; constraint violations, syntax errors and bad passwords are not.
    /// </summary>
    public static bool IsTransient(Exception e) => e switch
    {
        PostgresException pg => pg.SqlState is "57P01" or "57P02" or "57P03" or "40001" or "40P01" or "53300" or "08000" or "08003" or "08006" or "08001" or "08004",
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is SocketException or IOException or TimeoutException,
        SocketException or TimeoutException => true,
        _ => false,
    };

    /// <summary>Runs <paramref name="action"/>, retrying transient failures with growing pauses.</summary>
    public static async Task<T> RetryAsync<T>(Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return await action(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (attempt < Backoff.Length && IsTransient(e) && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(Backoff[attempt], cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public static Task RetryAsync(Func<CancellationToken, Task> action, CancellationToken cancellationToken)
        => RetryAsync(
            async token =>
            {
                await action(token).ConfigureAwait(false);
                return true;
            },
            cancellationToken);
}
