using Renci.SshNet;

namespace DiskTools.Engine.Remoting.Ssh;

/// <summary>
/// A command running on the remote host. The remote side runs <c>exec sh -c LAUNCHER sh &lt;argv&gt;</c>:
/// sshd makes every session's process a session and process-group leader, <c>exec</c> keeps that pid, and
/// the first stdout line tells us the group id so that <see cref="TerminateAsync"/> can signal the whole
/// remote tree. Closing the channel alone would leave it running (without a terminal sshd sends no SIGHUP),
/// so the launcher also watches its parent, the sshd session process: once that is gone — the connection
/// closed because this process ended, even by SIGKILL — it terminates the group (SIGTERM, SIGKILL 2 s later);
/// a launcher that finds its parent gone already (reparented to init) does not start the command at all.
/// Until that first line arrives the group id is unknown, and the user's login shell may spend seconds in
/// its rc files before the launcher runs; the launcher's $0 is therefore a mark unique to this command, so a
/// command given up in that window is found by its mark and ended instead of starting late on its own.
/// </summary>
internal sealed class SshRunningCommand : IRunningCommand
{
    /// <summary>
    /// The fixed launcher script; the command's argv follows as separately quoted words. The command runs
    /// in the launcher's process group; the watcher holds none of the channel's streams, so the channel
    /// closes when the command ends, and the launcher exits with the command's status.
    /// </summary>
    internal const string LauncherScript = "echo \"$$\"\n" + LauncherBody;

    /// <summary>
    /// The launcher of a prepared channel (<see cref="PrepareAsync"/>): it says who it is as soon as the login is
    /// done, then waits for the command's argv — one line, every byte as \0ooo (printf %b) — and runs it as above.
    /// End of input instead (the channel closed unused) ends it without running anything.
    /// </summary>
    internal const string PreparedLauncherScript = "echo \"$$\"\nIFS= read -r cmd || exit 129\neval \"set -- $(printf '%b' \"$cmd\")\"\n" + LauncherBody;

    private const string LauncherBody = """
        p=$PPID
        [ "$p" = 1 ] && { echo "the SSH session ended before the command could start; not starting it" >&2; exit 129; }
        "$@" &
        c=$!
        (
          trap 'kill "$s" 2>/dev/null; exit 0' TERM
          while kill -0 "$p" 2>/dev/null || [ -d "/proc/$p" ]; do sleep 1 & s=$!; wait "$s"; done
          trap '' TERM
          kill -s TERM -- "-$$" 2>/dev/null
          sleep 2
          kill -s KILL -- "-$$" 2>/dev/null
        ) </dev/null >/dev/null 2>&1 &
        w=$!
        wait "$c"
        r=$?
        kill "$w" 2>/dev/null
        exit "$r"
        """;

    private readonly SshCommand command;
    private readonly SshExecutor owner;
    private readonly Task execution;
    private readonly LineChannel lines = new();
    private Stream? preparedInput;
    private Task? pumps;
    private Task<string>? wholeStdout;
    private Task<string>? wholeStderr;
    private int disposed;

    private SshRunningCommand(CommandLine commandLine, string mark, SshCommand command, SshExecutor owner)
    {
        Command = commandLine;
        Mark = mark;
        this.command = command;
        this.owner = owner;
        execution = command.ExecuteAsync(CancellationToken.None);
    }

    public CommandLine Command { get; private set; }

    public int ProcessGroupId { get; private set; }

    /// <summary>True once the channel has closed: a prepared channel in that state cannot take a command any more.</summary>
    internal bool HasEnded => execution.IsCompleted;

    /// <summary>The launcher's $0 on the host ("disktools-" and 32 hex digits): how the command is found before its group id is known.</summary>
    internal string Mark { get; }

    internal static string NewMark() => "disktools-" + Guid.NewGuid().ToString("N");

    internal static string RemoteCommandText(CommandLine commandLine, string mark)
        => "exec sh -c " + ShellQuote.Quote(LauncherScript) + " " + mark + " " + ShellQuote.Join(commandLine.ArgumentVector);

    internal static async Task<SshRunningCommand> StartAsync(SshClient client, CommandLine commandLine, SshExecutor owner, bool collectWholeStreams, CancellationToken cancellationToken)
    {
        string mark = NewMark();
        SshCommand sshCommand = client.CreateCommand(RemoteCommandText(commandLine, mark), Encoding.UTF8);
        sshCommand.CommandTimeout = Timeout.InfiniteTimeSpan;
        SshRunningCommand running;
        try
        {
            running = new SshRunningCommand(commandLine, mark, sshCommand, owner);
        }
        catch
        {
            sshCommand.Dispose(); // the channel never opened
            throw;
        }

        await running.ReadAnnouncementAsync(cancellationToken).ConfigureAwait(false);
        running.StartPumps(collectWholeStreams);
        return running;
    }

    /// <summary>
    /// Opens a channel whose login runs now, for a command given later (<see cref="LaunchPreparedAsync"/>), so
    /// that command starts without waiting for the user's rc files.
    /// </summary>
    internal static async Task<SshRunningCommand> PrepareAsync(SshClient client, SshExecutor owner, CancellationToken cancellationToken)
    {
        string mark = NewMark();
        SshCommand sshCommand = client.CreateCommand("exec sh -c " + ShellQuote.Quote(PreparedLauncherScript) + " " + mark, Encoding.UTF8);
        sshCommand.CommandTimeout = Timeout.InfiniteTimeSpan;
        SshRunningCommand running;
        try
        {
            running = new SshRunningCommand(CommandLine.Create("sh"), mark, sshCommand, owner);
            running.preparedInput = sshCommand.CreateInputStream();
        }
        catch
        {
            sshCommand.Dispose();
            throw;
        }

        await running.ReadAnnouncementAsync(cancellationToken).ConfigureAwait(false);
        return running;
    }

    /// <summary>Hands a prepared channel its command; from then on it is like any other started command.</summary>
    internal async Task LaunchPreparedAsync(CommandLine commandLine, CancellationToken cancellationToken)
    {
        Stream input = preparedInput ?? throw new InvalidOperationException("This channel was not prepared, or has been used.");
        preparedInput = null;
        Command = commandLine;
        await input.WriteAsync(Encoding.ASCII.GetBytes(SshControlShell.OctalEscaped(ShellQuote.Join(commandLine.ArgumentVector)) + "\n"), cancellationToken).ConfigureAwait(false);
        await input.FlushAsync(cancellationToken).ConfigureAwait(false);
        await input.DisposeAsync().ConfigureAwait(false);
        StartPumps(collectWholeStreams: false);
    }

    private async Task ReadAnnouncementAsync(CancellationToken cancellationToken)
    {
        try
        {
            string? firstLine = await Task.Factory.StartNew(
                () => ReadFirstLine(command.OutputStream), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default)
                .WaitAsync(cancellationToken).ConfigureAwait(false);

            // Not a pid: sh itself could not run; the exit status and stderr say why.
            ProcessGroupId = int.TryParse(firstLine, out int pid) && pid > 1 ? pid : 0;
        }
        catch
        {
            // Given up before the launcher said who it is (cancelled, typically while the login shell reads
            // its rc files): end it by its mark, or it would run on by itself once the shell gets there.
            await EndUnannouncedAsync().ConfigureAwait(false);
            await DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private void StartPumps(bool collectWholeStreams)
    {
        if (collectWholeStreams)
        {
            wholeStdout = ReadToEndBlocking(command.OutputStream);
            wholeStderr = ReadToEndBlocking(command.ExtendedOutputStream);
            pumps = Task.WhenAll(wholeStdout, wholeStderr);
        }
        else
        {
            pumps = Task.WhenAll(
                lines.PumpBlocking(command.OutputStream, OutputStream.StandardOutput),
                lines.PumpBlocking(command.ExtendedOutputStream, OutputStream.StandardError));
        }
    }

    public IAsyncEnumerable<OutputLine> ReadLinesAsync(CancellationToken cancellationToken) => lines.ReadAllAsync(cancellationToken);

    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await execution.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (e is OperationCanceledException)
            {
                // The channel was closed under the command (connection lost or cancelled): no exit status.
                throw new Output.DiskToolsException(ErrorIds.SshConnectionLost, Output.ErrorKind.ConnectionError,
                    $"The connection to {owner.Target} closed before '{Command}' finished.", owner.Target, e);
            }

            throw;
        }

        if (command.ExitStatus is { } status)
        {
            return status;
        }

        return command.ExitSignal is { } signal ? 128 + SignalNumber(signal) : -1;
    }

    public async Task<(string Stdout, string Stderr)> CollectedOutputAsync()
    {
        if (pumps is not null)
        {
            await Task.WhenAny(pumps, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        }

        return (Completed(wholeStdout), Completed(wholeStderr));
    }

    public Task TerminateAsync(TimeSpan gracePeriod, CancellationToken cancellationToken)
        => ProcessGroupId > 1 ? owner.KillProcessGroupAsync(ProcessGroupId, gracePeriod, cancellationToken)
            : execution.IsCompleted ? Task.CompletedTask
            : owner.KillMarkedAsync(Mark, gracePeriod, cancellationToken);

    /// <summary>Best effort, bounded: the caller is already failing or cancelled and must not hang on a dead host.</summary>
    private async Task EndUnannouncedAsync()
    {
        if (execution.IsCompleted)
        {
            return;
        }

        try
        {
            await owner.KillMarkedAsync(Mark, TimeSpan.FromSeconds(1), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Renci.SshNet.Common.SshException or Output.DiskToolsException or TimeoutException or ObjectDisposedException or IOException or InvalidOperationException)
        {
            // The host or the connection is gone; the launcher's watcher ends the command with the connection.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        owner.Forget(this);
        if (!execution.IsCompleted)
        {
            try
            {
                command.CancelAsync();
            }
            catch (Exception e) when (e is Renci.SshNet.Common.SshException or InvalidOperationException or ObjectDisposedException)
            {
            }
        }

        try
        {
            await execution.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Whatever ended the channel has been reported already.
        }

        command.Dispose();
    }

    private static string Completed(Task<string>? task) => task is { IsCompletedSuccessfully: true } ? task.Result : string.Empty;

    private static Task<string> ReadToEndBlocking(Stream stream)
        => Task.Factory.StartNew(
            () =>
            {
                try
                {
                    using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false);
                    return reader.ReadToEnd();
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException)
                {
                    return string.Empty;
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

    /// <summary>Reads bytes up to the first newline without buffering past it (the rest belongs to the command).</summary>
    private static string? ReadFirstLine(Stream stream)
    {
        var bytes = new List<byte>(16);
        while (bytes.Count < 64)
        {
            int b = stream.ReadByte();
            if (b < 0)
            {
                return null;
            }

            if (b == '\n')
            {
                return Encoding.ASCII.GetString(bytes.ToArray());
            }

            bytes.Add((byte)b);
        }

        return null;
    }

    private static int SignalNumber(string signal) => signal switch
    {
        "HUP" => 1,
        "INT" => 2,
        "QUIT" => 3,
        "ABRT" => 6,
        "KILL" => 9,
        "SEGV" => 11,
        "PIPE" => 13,
        "ALRM" => 14,
        "TERM" => 15,
        _ => 0,
    };
}
