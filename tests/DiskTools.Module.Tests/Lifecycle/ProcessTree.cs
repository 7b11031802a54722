using System.Globalization;

namespace DiskTools.Module.Tests.Lifecycle;

/// <summary>A process as /proc shows it; pid plus start time tell it apart from a later one with the same pid.</summary>
internal sealed record ProcessEntry(int Pid, int ParentPid, ulong StartTicks, string Command)
{
    /// <summary>True while this very process (not a reuse of its pid) exists and is not a zombie.</summary>
    public bool Alive => ProcessTree.Read(Pid) is { } now && now.StartTicks == StartTicks && !ProcessTree.IsZombie(Pid);

    public override string ToString() => $"{Pid} ({Command})";
}

/// <summary>Descendants of a process, from /proc/&lt;pid&gt;/stat.</summary>
internal static class ProcessTree
{
    public static IReadOnlyList<ProcessEntry> All()
    {
        var all = new List<ProcessEntry>();
        foreach (string dir in Directory.GetDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && Read(pid) is { } entry)
            {
                all.Add(entry);
            }
        }

        return all;
    }

    /// <summary>Every process below <paramref name="root"/> (children, their children, ...).</summary>
    public static IReadOnlyList<ProcessEntry> Descendants(int root)
    {
        IReadOnlyList<ProcessEntry> all = All();
        var found = new List<ProcessEntry>();
        var frontier = new Queue<int>([root]);
        while (frontier.Count > 0)
        {
            int parent = frontier.Dequeue();
            foreach (ProcessEntry child in all.Where(p => p.ParentPid == parent))
            {
                found.Add(child);
                frontier.Enqueue(child.Pid);
            }
        }

        return found;
    }

    public static ProcessEntry? Read(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            int close = stat.LastIndexOf(')');
            string command = stat[(stat.IndexOf('(') + 1)..close];
            string[] fields = stat[(close + 2)..].Split(' ');
            // After the command: state(0) ppid(1) ... starttime is field 22 of the whole line, index 19 here.
            return new ProcessEntry(pid, int.Parse(fields[1], CultureInfo.InvariantCulture), ulong.Parse(fields[19], CultureInfo.InvariantCulture), command);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    public static bool IsZombie(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] is 'Z' or 'X';
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Threads of <paramref name="pid"/> whose name starts with <paramref name="prefix"/>.</summary>
    public static int ThreadsNamed(int pid, string prefix)
    {
        int count = 0;
        foreach (string task in Directory.GetDirectories($"/proc/{pid}/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).StartsWith(prefix, StringComparison.Ordinal))
                {
                    count++;
                }
            }
            catch (IOException)
            {
            }
        }

        return count;
    }
}
