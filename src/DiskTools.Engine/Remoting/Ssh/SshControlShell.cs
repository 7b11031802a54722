using Renci.SshNet;

namespace DiskTools.Engine.Remoting.Ssh;

/// <summary>
/// One shell kept running on the remote host for the life of a connection, through which every short
/// command runs. A new exec channel makes sshd start the user's login shell, which sources their rc files
/// first (a pyenv or conda init there costs a second or more); a request written to this shell's stdin skips
/// all of that and costs one write. Requests run side by side, each as the leader of a session and process
/// group of its own (setsid), its stdin empty, its stdout and stderr kept in a private temporary directory
/// on the host; when it ends, one writer process sends its exit status and both outputs back as one framed
/// answer, so answers never interleave. A request is ended by its id (SIGTERM to its group, SIGKILL after the
/// grace period). When the channel closes — the executor disposed, the client killed, the connection lost —
/// the shell reads end of input, ends every request still running the same way and removes its directory.
/// Requests are read by a subshell: should it be killed, the shell still ends the requests and the answer
/// writer, which closes the channel, and the client then uses channels of their own.
/// </summary>
internal sealed class SshControlShell : IAsyncDisposable
{
    // Requests: "R <id> <command text, every byte as \0ooo, which printf %b turns back into the exact bytes>"
    // and "K <id> <grace in tenths of a second>". Answers: "READY", then per request
    // "E <id> <status> <stdout bytes> <stderr bytes>" followed by those bytes. A request's pid file is written
    // before it checks for a kill mark and the killer marks before it reads the pid file, so a request killed
    // as it starts is always caught by one of the two.
    internal const string Loop = """
        command -v setsid >/dev/null 2>&1 || exit 69
        d=$(mktemp -d "${TMPDIR:-/tmp}/disktools-shell.XXXXXX") || exit 70
        trap 'rm -rf "$d"' EXIT
        mkfifo "$d/done" || exit 70
        exec 3<>"$d/done"
        echo READY
        (
          while read -r id st; do
            [ "$id" = END ] && exit 0
            o=$(wc -c < "$d/$id.o"); e=$(wc -c < "$d/$id.e")
            printf 'E %s %s %s %s\n' "$id" "$st" $o $e
            cat "$d/$id.o" "$d/$id.e"
            rm -f "$d/$id.o" "$d/$id.e" "$d/$id.p" "$d/$id.k"
          done
        ) <&3 &
        w=$!
        (
          while read -r verb id arg; do
            case $verb in
            R) (
                 setsid sh -c 'printf "%s\n" "$$" > "$1.n" && mv "$1.n" "$1.p"; [ -e "$1.k" ] && exit 143; exec 3>&-; eval "$(printf %b "$2")"' sh "$d/$id" "$arg" </dev/null >"$d/$id.o" 2>"$d/$id.e"
                 echo "$id $?" >&3
               ) </dev/null >/dev/null 2>&1 & ;;
            K) (
                 : > "$d/$id.k"
                 read -r p < "$d/$id.p" 2>/dev/null || exit 0
                 kill -s TERM -- "-$p" 2>/dev/null || exit 0
                 i=0; while [ "$i" -lt "$arg" ] && kill -s 0 -- "-$p" 2>/dev/null; do sleep 0.1; i=$((i+1)); done
                 kill -s KILL -- "-$p" 2>/dev/null
               ) </dev/null >/dev/null 2>&1 & ;;
            esac
          done
        )
        stop() {
          for f in "$d"/*.p; do [ -f "$f" ] && read -r p < "$f" && kill -s "$1" -- "-$p" 2>/dev/null; done
        }
        stop TERM
        i=0; while [ "$i" -lt 10 ] && [ -n "$(ls "$d" | grep '\.p$')" ]; do sleep 0.1; i=$((i+1)); done
        stop KILL
        echo END >&3
        wait "$w"
        """;


    private readonly SshCommand command;
    private readonly Stream input;
    private readonly Task execution;
    private readonly Task reader;
    private readonly SemaphoreSlim writeGate = new(1, 1);
    private readonly ConcurrentDictionary<int, ShellRequest> pending = new();
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
    public bool IsAlive => !execution.IsCompleted && !reader.IsCompleted && Volatile.Read(ref closed) == 0 && Volatile.Read(ref disposed) == 0;

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

    /// <summary>Sends a command line to the host; the request answers with its exit status and output.</summary>
    /// <exception cref="IOException">The shell ended before the request was sent: it did not run.</exception>
    public async Task<ShellRequest> StartAsync(CommandLine commandLine, string target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        int id = Interlocked.Increment(ref nextId);
        var request = new ShellRequest(this, id, commandLine, target);
        pending[id] = request;
        try
        {
            await WriteAsync(Request(id, ShellQuote.Join(commandLine.ArgumentVector)), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            pending.TryRemove(id, out _);
            throw;
        }

        return request;
    }

    /// <summary>Runs a command line on the host and returns its exit status (its output is not wanted).</summary>
    public async Task<int> RunAsync(CommandLine commandLine, CancellationToken cancellationToken)
    {
        ShellRequest request = await StartAsync(commandLine, string.Empty, cancellationToken).ConfigureAwait(false);
        try
        {
            return await request.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Forget(request.Id);
        }
    }

    /// <summary>Asks the shell to end a request's process group: SIGTERM, SIGKILL after <paramref name="gracePeriod"/>.</summary>
    internal Task KillAsync(int id, TimeSpan gracePeriod, CancellationToken cancellationToken)
    {
        int tenths = (int)Math.Ceiling(gracePeriod.TotalMilliseconds / 100);
        return WriteAsync(Encoding.ASCII.GetBytes($"K {id.ToString(CultureInfo.InvariantCulture)} {tenths.ToString(CultureInfo.InvariantCulture)}\n"), cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        try
        {
            // End of input ends the loop, which ends whatever still runs and removes its directory.
            await input.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is Renci.SshNet.Common.SshException or InvalidOperationException or ObjectDisposedException or IOException)
        {
            // The channel is gone already.
        }

        await execution.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        try
        {
            command.CancelAsync();
        }
        catch (Exception e) when (e is Renci.SshNet.Common.SshException or InvalidOperationException or ObjectDisposedException)
        {
        }

        command.Dispose();
        writeGate.Dispose();
    }

    internal void Forget(int id) => pending.TryRemove(id, out _);

    internal static byte[] Request(int id, string commandText)
        => Encoding.ASCII.GetBytes("R " + id.ToString(CultureInfo.InvariantCulture) + " " + OctalEscaped(commandText) + "\n");

    /// <summary>Every byte of the UTF-8 text as \0ooo, which POSIX printf %b turns back into exactly those bytes.</summary>
    internal static string OctalEscaped(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        var escaped = new StringBuilder(bytes.Length * 5);
        foreach (byte b in bytes)
        {
            escaped.Append("\\0").Append(Convert.ToString(b, 8).PadLeft(3, '0'));
        }

        return escaped.ToString();
    }

    private async Task WriteAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        await writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Checked at the last moment: data sent on a channel the server has already closed and freed makes
            // OpenSSH drop the whole connection, so once the shell's output has ended nothing more is written.
            if (Volatile.Read(ref closed) != 0 || execution.IsCompleted || Volatile.Read(ref disposed) != 0)
            {
                throw new IOException("The control shell on the host ended.");
            }

            await input.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            await input.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            writeGate.Release();
        }
    }

    private static void ReadAnswers(Stream output, TaskCompletionSource ready, Func<SshControlShell?> owner)
    {
        try
        {
            var answers = new FramedReader(output);
            while (answers.ReadLine() is { } line)
            {
                if (line == "READY")
                {
                    ready.TrySetResult();
                    continue;
                }

                string[] fields = line.Split(' ');
                if (fields.Length != 5 || fields[0] != "E"
                    || !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out int id)
                    || !int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out int status)
                    || !int.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out int stdoutLength)
                    || !int.TryParse(fields[4], NumberStyles.None, CultureInfo.InvariantCulture, out int stderrLength))
                {
                    throw new InvalidDataException($"The control shell answered '{line}'.");
                }

                byte[] stdout = answers.ReadExactly(stdoutLength);
                byte[] stderr = answers.ReadExactly(stderrLength);
                if (owner() is { } shell && shell.pending.TryRemove(id, out ShellRequest? request))
                {
                    request.Complete(status, Encoding.UTF8.GetString(stdout), Encoding.UTF8.GetString(stderr));
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or InvalidDataException)
        {
            // The channel closed (or spoke out of turn); what is pending fails below.
        }
        finally
        {
            var ended = new IOException("The control shell on the host ended.");
            ready.TrySetException(ended);
            if (owner() is { } shell)
            {
                Interlocked.Exchange(ref shell.closed, 1);
                foreach (ShellRequest request in shell.pending.Values)
                {
                    request.Fail(ended);
                }
            }
        }
    }

    /// <summary>Lines and counted blocks of bytes from a blocking stream, without reading past what was asked for.</summary>
    private sealed class FramedReader(Stream stream)
    {
        private readonly byte[] buffer = new byte[1 << 16];
        private int start;
        private int end;

        public string? ReadLine()
        {
            var line = new List<byte>(64);
            while (true)
            {
                if (start == end && !Fill())
                {
                    return null;
                }

                int newline = Array.IndexOf(buffer, (byte)'\n', start, end - start);
                if (newline >= 0)
                {
                    line.AddRange(buffer.AsSpan(start, newline - start));
                    start = newline + 1;
                    return Encoding.ASCII.GetString(line.ToArray());
                }

                line.AddRange(buffer.AsSpan(start, end - start));
                start = end;
                if (line.Count > 4096)
                {
                    throw new InvalidDataException("The control shell sent an overlong line.");
                }
            }
        }

        public byte[] ReadExactly(int count)
        {
            byte[] result = new byte[count];
            int filled = 0;
            while (filled < count)
            {
                if (start == end && !Fill())
                {
                    throw new IOException("The control shell's output ended inside an answer.");
                }

                int take = Math.Min(count - filled, end - start);
                Array.Copy(buffer, start, result, filled, take);
                start += take;
                filled += take;
            }

            return result;
        }

        private bool Fill()
        {
            start = 0;
            end = stream.Read(buffer, 0, buffer.Length);
            return end > 0;
        }
    }
}
