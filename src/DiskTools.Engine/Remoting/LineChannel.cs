namespace DiskTools.Engine.Remoting;

/// <summary>
/// Collects lines from a command's two streams into one unbounded channel (a command must never block
/// because nobody reads its output yet) and completes when both streams have ended.
/// </summary>
internal sealed class LineChannel
{
    private readonly Channel<OutputLine> channel = Channel.CreateUnbounded<OutputLine>(new UnboundedChannelOptions { SingleReader = true });
    private int openStreams = 2;

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
    /// Reads a blocking stream (SSH.NET's channel pipes) line by line on a dedicated thread, so a long
    /// command does not hold a thread-pool thread.
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

    /// <summary>Reads a stream line by line into the channel (\n or \r\n terminated; a last unterminated line counts).</summary>
    public async Task PumpAsync(Stream source, OutputStream stream, CancellationToken cancellationToken)
    {
        try
        {
            using var reader = new StreamReader(source, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: false);
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                Write(stream, line);
            }
        }
        catch (OperationCanceledException)
        {
            // The reader was abandoned; the channel still completes below.
        }
        catch (IOException)
        {
            // The pipe broke because the process was killed; what was read is kept.
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            EndOfStream();
        }
    }
}
