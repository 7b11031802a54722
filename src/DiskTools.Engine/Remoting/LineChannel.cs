namespace DiskTools.Engine.Remoting;

/// <summary>
/// Collects lines from a command's two streams into one unbounded channel (a command must never block
/// because nobody reads its output yet) and completes when both streams have ended.
/// </summary>
internal sealed class LineChannel
{
    private readonly Channel<OutputLine> channel;
    private int openStreams = 2;

    /// <param name="readerRunsOnPump">
    /// Run the reader's continuation on the pump thread that wrote the line instead of handing it to the
    /// thread pool. For a chatty local command (rsync's itemized lines) each line would otherwise wake a pool
    /// thread, and on a small machine the pool's spinning takes CPU from the very transfer being watched.
    /// Only with <see cref="PumpBlocking"/>, whose dedicated thread may carry the reader's work for a moment.
    /// </param>
    public LineChannel(bool readerRunsOnPump = false)
    {
        channel = Channel.CreateUnbounded<OutputLine>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = readerRunsOnPump });
    }

    public void Write(OutputStream stream, string text) => channel.Writer.TryWrite(new OutputLine(stream, text));

    public void EndOfStream()
    {
        if (Interlocked.Decrement(ref openStreams) == 0)
        {
            channel.Writer.TryComplete();
        }
    }

    public void Fail(Exception error) => channel.Writer.TryComplete(error);

    public async IAsyncEnumerable<OutputLine> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (OutputLine line in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return line;
        }
    }

    /// <summary>
    /// Reads a blocking stream (SSH.NET's channel pipes, a local process's pipes) line by line on a dedicated
    /// thread, so a long command does not hold a thread-pool thread.
    /// </summary>
    public Task PumpBlocking(Stream source, OutputStream stream)
        => Task.Factory.StartNew(
            () =>
            {
                try
                {
                    using var reader = new StreamReader(source, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: false);
                    while (reader.ReadLine() is { } line)
                    {
                        Write(stream, line);
                    }
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
                {
                    // The channel closed under us; what was read is kept.
                }
                finally
                {
                    EndOfStream();
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
}
