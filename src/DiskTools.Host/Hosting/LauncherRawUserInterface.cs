using System.Management.Automation.Host;

namespace DiskTools.Host.Hosting;

/// <summary>
/// Window and buffer sizes for the formatter (Out-Default sizes tables from BufferSize.Width): the terminal's
/// size when stdout is a terminal, otherwise a fixed 120 columns so captured output does not depend on
/// whichever terminal happened to start the process. Nothing here is interactive.
/// </summary>
internal sealed class LauncherRawUserInterface(ConsoleStreams console) : PSHostRawUserInterface
{
    private const int RedirectedWidth = 120;
    private const int RedirectedHeight = 50;

    private ConsoleColor foreground = ConsoleColor.Gray;
    private ConsoleColor background = ConsoleColor.Black;
    private string title = "disktools";

    public int Width => TerminalSize(() => Console.WindowWidth, RedirectedWidth);

    public int Height => TerminalSize(() => Console.WindowHeight, RedirectedHeight);

    public override ConsoleColor ForegroundColor { get => foreground; set => foreground = value; }

    public override ConsoleColor BackgroundColor { get => background; set => background = value; }

    public override Coordinates CursorPosition { get => new(0, 0); set { } }

    public override Coordinates WindowPosition { get => new(0, 0); set { } }

    public override int CursorSize { get => 25; set { } }

    // Buffer width is the line width the formatter fills; a deep scroll-back height like a real console.
    public override Size BufferSize { get => new(Width, 9001); set { } }

    public override Size WindowSize { get => new(Width, Height); set { } }

    public override Size MaxWindowSize => WindowSize;

    public override Size MaxPhysicalWindowSize => WindowSize;

    public override bool KeyAvailable => false;

    public override string WindowTitle { get => title; set => title = value; }

    public override void FlushInputBuffer()
    {
    }

    public override KeyInfo ReadKey(ReadKeyOptions options) =>
        throw new PSNotSupportedException("disktools is not interactive: ReadKey is not available.");

    public override BufferCell[,] GetBufferContents(Rectangle rectangle) =>
        throw new PSNotSupportedException("disktools does not read back the screen buffer.");

    public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) =>
        throw new PSNotSupportedException("disktools does not write the screen buffer directly.");

    public override void SetBufferContents(Rectangle rectangle, BufferCell fill) =>
        throw new PSNotSupportedException("disktools does not write the screen buffer directly.");

    public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) =>
        throw new PSNotSupportedException("disktools does not scroll the screen buffer.");

    /// <summary>The terminal's measure when stdout is one and it answers, else the fixed one.</summary>
    private int TerminalSize(Func<int> measure, int redirected)
    {
        if (!console.StdoutIsTerminal)
        {
            return redirected;
        }

        try
        {
            int size = measure();
            return size > 0 ? size : redirected;
        }
        catch (IOException)
        {
            return redirected;
        }
    }
}
