namespace DiskTools.Engine.Traversal;

/// <summary>
/// A worker's double-ended queue of pending directories. The owner pushes and pops at the bottom (depth
/// first, which keeps the number of pending directories and open descriptors small); idle workers steal
/// from the top, where the oldest, usually largest, subtrees wait. A plain lock is enough: it is taken
/// once per directory, while listing a directory costs one syscall per entry.
/// </summary>
internal sealed class WorkDeque<T>
    where T : class
{
    private readonly object gate = new();
    private T?[] items = new T?[64];
    private int head;
    private int count;

    public int Count => Volatile.Read(ref count);

    public void PushBottom(T item)
    {
        lock (gate)
        {
            if (count == items.Length)
            {
                var grown = new T?[items.Length * 2];
                for (int i = 0; i < count; i++)
                {
                    grown[i] = items[(head + i) % items.Length];
                }

                items = grown;
                head = 0;
            }

            items[(head + count) % items.Length] = item;
            count++;
        }
    }

    public bool TryPopBottom(out T? item)
    {
        lock (gate)
        {
            if (count == 0)
            {
                item = null;
                return false;
            }

            int index = (head + count - 1) % items.Length;
            item = items[index];
            items[index] = null;
            count--;
            return true;
        }
    }

    public bool TryStealTop(out T? item)
    {
        if (Volatile.Read(ref count) == 0)
        {
            item = null;
            return false;
        }

        lock (gate)
        {
            if (count == 0)
            {
                item = null;
                return false;
            }

            item = items[head];
            items[head] = null;
            head = (head + 1) % items.Length;
            count--;
            return true;
        }
    }
}
