using System.Globalization;

namespace DiskTools.Host.Progress;

/// <summary>
/// Turns the stream of <see cref="ProgressRecord"/>s into the lines of the progress block: one line per live
/// activity, children (by ParentActivityId) under their parent and indented two spaces per level, each
/// line cut to the terminal width. Pure state and text (no terminal I/O), so it is unit-testable.
/// </summary>
internal sealed class ProgressRenderer
{
    private const int IndentPerLevel = 2;
    private const int MaxBarWidth = 30;

    // Arrival order matters: siblings are shown in the order they first appeared, like pwsh.
    private readonly List<ActivityKey> order = [];
    private readonly Dictionary<ActivityKey, ProgressRecord> live = [];

    /// <summary>True while any activity is live.</summary>
    public bool HasActivities => live.Count > 0;

    /// <summary>Records an update. A Completed record removes the activity and every activity nested in it.</summary>
    public void Update(long sourceId, ProgressRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        ActivityKey key = new(sourceId, record.ActivityId);
        if (record.RecordType == ProgressRecordType.Completed)
        {
            Remove(key);
            return;
        }

        if (!live.ContainsKey(key))
        {
            order.Add(key);
        }

        live[key] = record;
    }

    /// <summary>Forgets everything (the pipeline ended).</summary>
    public void Clear()
    {
        order.Clear();
        live.Clear();
    }

    /// <summary>The block's lines, each at most <paramref name="width"/> - 1 characters (the last column is
    /// left free so a full line never makes the terminal wrap, which would break moving back up over the block).</summary>
    public IReadOnlyList<string> Render(int width)
    {
        int usable = Math.Max(10, width - 1);
        List<string> lines = [];
        foreach (ActivityKey root in order.Where(k => ParentOf(k) is null))
        {
            AppendTree(root, 0, usable, lines, []);
        }

        return lines;
    }

    private void AppendTree(ActivityKey key, int depth, int width, List<string> lines, HashSet<ActivityKey> seen)
    {
        if (!seen.Add(key))
        {
            return; // a record naming its own descendant as parent: show it once, never loop
        }

        lines.Add(FormatLine(live[key], depth * IndentPerLevel, width));
        foreach (ActivityKey child in order.Where(k => ParentOf(k) == key))
        {
            AppendTree(child, depth + 1, width, lines, seen);
        }
    }

    /// <summary>The live parent of an activity, or null for a root (including a child whose parent is gone or unknown).</summary>
    private ActivityKey? ParentOf(ActivityKey key)
    {
        int parentId = live[key].ParentActivityId;
        if (parentId < 0)
        {
            return null;
        }

        ActivityKey parent = new(key.SourceId, parentId);
        return parent != key && live.ContainsKey(parent) ? parent : null;
    }

    private void Remove(ActivityKey key)
    {
        if (!live.ContainsKey(key))
        {
            return;
        }

        foreach (ActivityKey child in order.Where(k => ParentOf(k) == key).ToArray())
        {
            Remove(child);
        }

        live.Remove(key);
        order.Remove(key);
    }

    /// <summary>
    /// "<c>[######      ]  42% Activity: Status (12s left) CurrentOperation</c>". The bar comes first so it
    /// stays visible when a long status is cut at the right edge.
    /// </summary>
    internal static string FormatLine(ProgressRecord record, int indent, int width)
    {
        StringBuilder line = new();
        line.Append(' ', Math.Min(indent, Math.Max(0, width - 10)));
        int room = width - line.Length;
        if (record.PercentComplete >= 0)
        {
            int percent = Math.Min(100, record.PercentComplete);
            int barWidth = Math.Clamp(room / 3, 5, MaxBarWidth);
            int filled = (int)Math.Round(barWidth * percent / 100.0);
            line.Append('[').Append('#', filled).Append(' ', barWidth - filled).Append(']');
            line.Append(percent.ToString(CultureInfo.InvariantCulture).PadLeft(4)).Append("% ");
        }

        line.Append(record.Activity);
        if (!string.IsNullOrWhiteSpace(record.StatusDescription))
        {
            line.Append(": ").Append(record.StatusDescription);
        }

        if (record.SecondsRemaining >= 0)
        {
            line.Append(" (").Append(FormatRemaining(record.SecondsRemaining)).Append(" left)");
        }

        if (!string.IsNullOrWhiteSpace(record.CurrentOperation))
        {
            line.Append("  ").Append(record.CurrentOperation);
        }

        return Fit(Flatten(line.ToString()), width);
    }

    private static string FormatRemaining(int seconds) =>
        seconds >= 3600 ? $"{seconds / 3600}h{seconds % 3600 / 60:00}m"
        : seconds >= 60 ? $"{seconds / 60}m{seconds % 60:00}s"
        : $"{seconds}s";

    /// <summary>Control characters (a newline in a status, an escape sequence) would break the in-place redraw.</summary>
    private static string Flatten(string text) =>
        string.Create(text.Length, text, (span, source) =>
        {
            for (int i = 0; i < source.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? ' ' : source[i];
            }
        });

    private static string Fit(string text, int width) =>
        text.Length <= width ? text : string.Concat(text.AsSpan(0, width - 1), "…");

    private readonly record struct ActivityKey(long SourceId, int ActivityId);
}
