using DiskTools.Host.Hosting;

namespace DiskTools.Host.Progress;

/// <summary>
/// Draws the live progress block at the bottom of the terminal on stdout, where the command's output goes
/// (so the bar sits right under the output it belongs to, and stderr stays free of escape codes when it is
/// captured). Only created when stdout is a terminal: pipes, files and tests never see it.
/// Redraws at most every <see cref="RedrawInterval"/> on a timer; a completed activity is erased at once.
/// </summary>
internal sealed class ProgressDisplay : IDisposable
{
    public static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(100);

    private readonly ConsoleStreams console;
    private readonly Func<int> width;
    private readonly ProgressRenderer renderer = new();
    private readonly Timer timer;
    private int linesOnScreen;
    private bool dirty;

    public ProgressDisplay(ConsoleStreams console, Func<int> width)
    {
        this.console = console;
        this.width = width;
        timer = new Timer(_ => Tick(), null, Timeout.Infinite, Timeout.Infinite);
    }

    public void Update(long sourceId, ProgressRecord record)
    {
        lock (console.Gate)
        {
            renderer.Update(sourceId, record);
            if (record.RecordType == ProgressRecordType.Completed)
            {
                DrawLocked(); // erase finished lines now, not up to a tick later
                return;
            }

            MarkDirtyLocked();
        }
    }

    /// <summary>Forgets every activity and takes the block off the screen (end of a pipeline).</summary>
    public void Reset()
    {
        lock (console.Gate)
        {
            renderer.Clear();
            EraseLocked();
        }
    }

    /// <summary>Moves up over the drawn block and clears to the end of the screen; the cursor ends where the block began.</summary>
    internal void EraseLocked()
    {
        if (linesOnScreen == 0)
        {
            return;
        }

        console.RawStdout.Write($"\r\u001b[{linesOnScreen}A\u001b[J");
        console.RawStdout.Flush();
        linesOnScreen = 0;
    }

    internal void MarkDirtyLocked()
    {
        if (!renderer.HasActivities || dirty)
        {
            return;
        }

        dirty = true;
        timer.Change(RedrawInterval, Timeout.InfiniteTimeSpan);
    }

    private void Tick()
    {
        lock (console.Gate)
        {
            if (dirty)
            {
                DrawLocked();
            }
        }
    }

    private void DrawLocked()
    {
        dirty = false;
        EraseLocked();
        if (!console.StdoutAtLineStart)
        {
            // Output is mid-line (Write-Host -NoNewline ...): drawing now would split it. Try again later.
            MarkDirtyLocked();
            return;
        }

        IReadOnlyList<string> lines = renderer.Render(width());
        if (lines.Count == 0)
        {
            return;
        }

        // Each line is shorter than the terminal, so it never wraps and "N lines up" erases exactly the block.
        console.RawStdout.Write(string.Concat(lines.Select(l => l + "\n")));
        console.RawStdout.Flush();
        linesOnScreen = lines.Count;
    }

    public void Dispose()
    {
        timer.Dispose();
        Reset();
    }
}
