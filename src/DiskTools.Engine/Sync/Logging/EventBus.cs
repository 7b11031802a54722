namespace DiskTools.Engine.Sync.Logging;

/// <summary>Receives every event of a session. Called on whichever thread published; must not block.</summary>
public interface ISyncEventConsumer
{
    void OnEvent(SyncEvent syncEvent);

    /// <summary>The bus is closing: flush and release whatever is held.</summary>
    void Complete();
}

/// <summary>
/// The one path every event of a session takes (log lines and progress) to its two consumers: the caller's
/// <see cref="Output.IOutputWriter"/> (through <see cref="OutputEventConsumer"/>, the interface every other
/// cmdlet reports through) and the JSON-lines log file. The bus stays beside IOutputWriter, not instead of
/// it, because the log file needs what the writer's streams drop: six levels rather than PowerShell's
/// streams, the job and host of each line, its structured fields, the session records kept whatever the
/// file's threshold, and a threshold of its own. Publishing hands the event to each consumer in turn under
/// a lock, so consumers see events in one global order and need no locking of their own; consumers only
/// queue or append, so the lock is held briefly. A consumer that throws is dropped rather than allowed to
/// break the session.
/// </summary>
public sealed class EventBus : IDisposable
{
    private readonly object gate = new();
    private readonly List<ISyncEventConsumer> consumers = [];
    private bool closed;

    /// <summary>Raised, outside the lock, when a consumer threw and was dropped.</summary>
    public event Action<ISyncEventConsumer, Exception>? ConsumerFailed;

    public void Subscribe(ISyncEventConsumer consumer)
    {
        lock (gate)
        {
            if (!closed)
            {
                consumers.Add(consumer);
            }
        }
    }

    public void Publish(SyncEvent syncEvent)
    {
        List<(ISyncEventConsumer, Exception)>? failed = null;
        lock (gate)
        {
            if (closed)
            {
                return;
            }

            foreach (ISyncEventConsumer consumer in consumers)
            {
                try
                {
                    consumer.OnEvent(syncEvent);
                }
                catch (Exception e)
                {
                    (failed ??= []).Add((consumer, e));
                }
            }

            if (failed is not null)
            {
                foreach ((ISyncEventConsumer consumer, _) in failed)
                {
                    consumers.Remove(consumer);
                }
            }
        }

        if (failed is not null)
        {
            foreach ((ISyncEventConsumer consumer, Exception e) in failed)
            {
                ConsumerFailed?.Invoke(consumer, e);
            }
        }
    }

    /// <summary>Stops accepting events and lets every consumer finish. Idempotent.</summary>
    public void Close()
    {
        List<ISyncEventConsumer> finishing;
        lock (gate)
        {
            if (closed)
            {
                return;
            }

            closed = true;
            finishing = [.. consumers];
            consumers.Clear();
        }

        foreach (ISyncEventConsumer consumer in finishing)
        {
            try
            {
                consumer.Complete();
            }
            catch (Exception e)
            {
                ConsumerFailed?.Invoke(consumer, e);
            }
        }
    }

    public void Dispose() => Close();
}
