using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Renci.SshNet;

namespace DiskTools.Engine.Remoting.Ssh;

/// <summary>
/// One shell kept running on the remote host for the life of a connection, for the commands that must
/// happen at once — signals and clean-up when a session is stopped. A new exec channel makes sshd start
/// the user's login shell, which sources their rc files first (a pyenv or conda init there costs a second
/// or more); requests written to this shell's stdin skip all of that and cost one write.
/// Each request runs in the background in its own subshell, so requests never wait for each other; the
/// shell answers "id exit-status" when one ends. Output of the requests is discarded.
/// </summary>
internal sealed class SshControlShell : IAsyncDisposable
{
    // A request is one line: an id, then the command text with every byte written as \0ooo, which POSIX
    // printf %b turns back into the exact bytes (newlines and quotes included) without any other tool.
    private const string Loop =
        "echo READY; while read -r id cmd; do " +
        "( eval \"$(printf '%b' \"$cmd\")\" </dev/null >/dev/null 2>&1; echo \"$id $?\" ) & " +
        "done";

    private readonly SshCommand command;
    private readonly Stream input;
    private readonly Task execution;
    private readonly Task reader;
    private readonly SemaphoreSlim writeGate = new(1, 1);
    private readonly ConcurrentDictionary<int, TaskCompletionSource<int>> pending = new();
    private int nextId;
    private int closed;
    private int disposed;

    private SshControlShell(SshCommand command, Stream input, Task execution, Task reader)
    {
        this.command = command;
        this.input = input;
        this.execution = execution;
        this.reader = reader;
    }

    /// <summary>True until the shell's channel closes (connection lost, shell ended).</summary>
    public bool IsAlive => !execution.IsCompleted && !reader.IsCompleted && Volatile.Read(ref disposed) == 0;

    /// <summary>Opens the channel and waits for the shell to say it reads requests.</summary>
    public static async Task<SshControlShell> StartAsync(SshClient client, CancellationToken cancellationToken)
    {
        SshCommand command = client.CreateCommand("exec sh -c " + ShellQuote.Quote(Loop), Encoding.UTF8);
        command.CommandTimeout = Timeout.InfiniteTimeSpan;
        try
        {
            Task execution = command.ExecuteAsync(CancellationToken.None);
            Stream input = command.CreateInputStream();
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            SshControlShell? shell = null;
            Task reader = Task.Factory.StartNew(
                () => ReadAnswers(command.OutputStream, ready, () => shell),
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
            shell = new SshControlShell(command, input, execution, reader);
            await ready.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return shell;
        }
        catch
        {
            command.Dispose();
            throw;
        }
    }

    /// <summary>Runs a command line on the host and returns its exit status.</summary>
    public async Task<int> RunAsync(CommandLine commandLine, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        ObjectDisposedException.ThrowIf(!IsAlive, this);
        int id = Interlocked.Increment(ref nextId);
        var answer = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        pending[id] = answer;
        try
        {
            // The reader marks the shell closed before it fails what is pending, so a request added after
            // that is caught here and none waits for an answer that cannot come.
            if (Volatile.Read(ref closed) != 0)
            {
                throw new IOException("The control shell on the host ended.");
            }

            byte[] request = Request(id, ShellQuote.Join(commandLine.ArgumentVector));
            await writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // Checked again at the last moment: data sent on a channel the server has already closed and
                // freed makes OpenSSH drop the whole connection, so once the shell's output has ended nothing
                // more is written to it.
                if (Volatile.Read(ref closed) != 0 || execution.IsCompleted)
                {
                    throw new IOException("The control shell on the host ended.");
                }

                await input.WriteAsync(request, cancellationToken).ConfigureAwait(false);
                await input.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                writeGate.Release();
            }

            return await answer.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            pending.TryRemove(id, out _);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        try
        {
            // End of input ends the loop; requests still running finish in their subshells.
            await input.DisposeAsync().ConfigureAwait(false);
            command.CancelAsync();
        }
        catch (Exception e) when (e is Renci.SshNet.Common.SshException or InvalidOperationException or ObjectDisposedException or IOException)
        {
            // The channel is gone already.
        }

        await execution.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        command.Dispose();
        writeGate.Dispose();
    }

    internal static byte[] Request(int id, string commandText)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(commandText);
        var line = new StringBuilder(16 + (bytes.Length * 5));
        line.Append(id.ToString(CultureInfo.InvariantCulture)).Append(' ');
        foreach (byte b in bytes)
        {
            line.Append("\\0").Append(Convert.ToString(b, 8).PadLeft(3, '0'));
        }

        line.Append('\n');
        return Encoding.ASCII.GetBytes(line.ToString());
    }

    private static void ReadAnswers(Stream output, TaskCompletionSource ready, Func<SshControlShell?> owner)
    {
        try
        {
            using var lines = new StreamReader(output, Encoding.UTF8, detectEncodingFromByteOrderMarks: false);
            while (lines.ReadLine() is { } line)
            {
                if (line == "READY")
                {
                    ready.TrySetResult();
                    continue;
                }

                int space = line.IndexOf(' ', StringComparison.Ordinal);
                if (space > 0
                    && int.TryParse(line.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out int id)
                    && int.TryParse(line.AsSpan(space + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int status)
                    && owner() is { } shell
                    && shell.pending.TryGetValue(id, out TaskCompletionSource<int>? answer))
                {
                    answer.TrySetResult(status);
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The channel closed; what is pending fails below.
        }
        finally
        {
            var ended = new IOException("The control shell on the host ended.");
            ready.TrySetException(ended);
            if (owner() is { } shell)
            {
                Interlocked.Exchange(ref shell.closed, 1);
                foreach (TaskCompletionSource<int> answer in shell.pending.Values)
                {
                    answer.TrySetException(ended);
                }
            }
        }
    }
}
