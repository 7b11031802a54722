using Renci.SshNet;
using Renci.SshNet.Common;

namespace DiskTools.Engine.Remoting.Ssh;

/// <summary>
/// Runs commands on a remote host over one SSH connection (SSH.NET). Every argument travels as a
/// single-quoted word; every command runs as the leader of its own remote process group, so terminating it
/// kills what it started there too. The host key must be known (known_hosts) or pinned — never trusted
/// silently. A dropped connection is re-established on the next command, and every state change is
/// reported through <see cref="ConnectionChanged"/>.
/// </summary>
public sealed class SshExecutor : ICommandExecutor
{
    private readonly SshConnectionOptions options;
    private readonly ConnectionInfo connectionInfo;
    private readonly HostKeyVerifier verifier;
    private readonly TimeSpan keepAlive;
    private readonly SemaphoreSlim connectGate = new(1, 1);
    private readonly ConcurrentDictionary<IRunningCommand, byte> running = new();
    private readonly CancellationTokenSource lifetime = new();
    private SshClient? client;
    private SftpClient? sftp;
    private Task<SshControlShell>? control;
    private Task<SshRunningCommand>? prepared;
    private string? hostName;
    private Task? probe;
    private int disposed;

    private SshExecutor(SshConnectionOptions options, ConnectionInfo connectionInfo, HostKeyVerifier verifier, TimeSpan keepAlive, string target, SshEndpoint endpoint)
    {
        this.options = options;
        Endpoint = endpoint;
        this.connectionInfo = connectionInfo;
        this.verifier = verifier;
        this.keepAlive = keepAlive;
        Target = target;
    }

    /// <summary>Raised from a background thread whenever the connection state changes or a latency probe completes.</summary>
    public event EventHandler<ConnectionEvent>? ConnectionChanged;

    public string Target { get; }

    public bool IsRemote => true;

    /// <summary>The SHA256 fingerprint of the verified host key.</summary>
    public string? HostKeyFingerprint => verifier.PresentedFingerprint;

    /// <summary>Where this connection went (host, port, user, keys): what another channel to the same host must use.</summary>
    public SshEndpoint Endpoint { get; }

    /// <summary>The host key this connection verified (by known_hosts or the pinned fingerprint); null before connecting.</summary>
    public (string KeyType, byte[] Blob)? TrustedHostKey => verifier.TrustedKey;

    /// <summary>The most recently measured round trip of a no-op command.</summary>
    public TimeSpan? LastRoundTrip { get; private set; }

    /// <summary>Resolves the host through ssh_config, connects, verifies the host key and authenticates.</summary>
    /// <exception cref="DiskToolsException">HostUnreachable, SshHostKeyUnknown, SshHostKeyMismatch, SshHostKeyRevoked, SshAuthenticationFailed, InvalidSshConfig.</exception>
    public static async Task<SshExecutor> ConnectAsync(SshConnectionOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        SshExecutor executor = SshConnectionFactory.Create(options, (info, verifier, keepAlive, target, endpoint) => new SshExecutor(options, info, verifier, keepAlive, target, endpoint));
        try
        {
            await executor.ConnectAsync(attempt: 0, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await executor.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        if (options.LatencyProbeInterval is { } interval && interval > TimeSpan.Zero)
        {
            executor.probe = executor.ProbeLoopAsync(interval, executor.lifetime.Token);
        }

        return executor;
    }

    /// <summary>
    /// Runs a command through the control shell, which is already running on the host, so it costs one round
    /// trip and no login; on a channel of its own only when that shell is not there (never started, or its
    /// channel closed before the request was sent).
    /// </summary>
    public async Task<CommandResult> RunAsync(CommandLine command, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (await ControlShellAsync(cancellationToken).ConfigureAwait(false) is { } shell)
        {
            ShellRequest? request = null;
            try
            {
                request = await shell.StartAsync(command, Target, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or SshException)
            {
                // Not sent: the shell went away first; a channel of its own runs it instead.
            }

            if (request is not null)
            {
                running.TryAdd(request, 0);
                try
                {
                    return await CommandCompletion.AwaitResultAsync(request, request.CollectedOutputAsync, timeout, Target, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    running.TryRemove(request, out _);
                    await request.DisposeAsync().ConfigureAwait(false);
                }
            }
        }

        await using SshRunningCommand process = await LaunchAsync(command, collectWholeStreams: true, cancellationToken).ConfigureAwait(false);
        return await CommandCompletion.AwaitResultAsync(process, process.CollectedOutputAsync, timeout, Target, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IRunningCommand> StartAsync(CommandLine command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (Interlocked.Exchange(ref prepared, null) is { } preparing)
        {
            try
            {
                SshRunningCommand ready = await preparing.WaitAsync(cancellationToken).ConfigureAwait(false);
                if (!ready.HasEnded)
                {
                    running.TryAdd(ready, 0);
                    await ready.LaunchPreparedAsync(command, cancellationToken).ConfigureAwait(false);
                    return ready;
                }

                await ready.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or SshException or DiskToolsException or InvalidOperationException)
            {
                // The prepared channel is gone (connection lost, shell failed): a channel of its own instead.
                Discard(preparing);
            }
            catch (OperationCanceledException)
            {
                Discard(preparing);
                throw;
            }
        }

        return await LaunchAsync(command, collectWholeStreams: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens a channel for the next <see cref="StartAsync"/> in the background (<see cref="SshConnectionOptions.PrepareChannel"/>):
    /// its login runs now, alongside the control shell's, instead of when the command is due.
    /// </summary>
    private void PrepareChannel(SshClient connected)
    {
        Task<SshRunningCommand> preparing = SshRunningCommand.PrepareAsync(connected, this, lifetime.Token);
        if (Interlocked.CompareExchange(ref prepared, preparing, null) is not null)
        {
            Discard(preparing);
        }
    }

    private static void Discard(Task<SshRunningCommand> preparing)
        => _ = preparing.ContinueWith(t => t.Result.DisposeAsync().AsTask(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);

    public Task TerminateAllAsync(TimeSpan gracePeriod, CancellationToken cancellationToken)
        => Task.WhenAll(running.Keys.Select(c => c.TerminateAsync(gracePeriod, cancellationToken)));

    public Task SendFileAsync(string localPath, string hostPath, CancellationToken cancellationToken)
        => TransferAsync(hostPath, ErrorKind.WriteError, $"Cannot send '{localPath}' to {Target}:{hostPath}", async files =>
        {
            await using var source = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            await files.UploadFileAsync(source, hostPath, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public Task FetchFileAsync(string hostPath, string localPath, CancellationToken cancellationToken)
        => TransferAsync(hostPath, ErrorKind.ReadError, $"Cannot fetch {Target}:{hostPath} to '{localPath}'", async files =>
        {
            await using var destination = new FileStream(localPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await files.DownloadFileAsync(hostPath, destination, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>One file over SFTP; a failure on either end is FileTransferFailed naming what was being moved.</summary>
    private async Task TransferAsync(string hostPath, ErrorKind kind, string failure, Func<SftpClient, Task> transfer, CancellationToken cancellationToken)
    {
        SftpClient files = await EnsureSftpAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await transfer(files).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or IOException or UnauthorizedAccessException)
        {
            throw new DiskToolsException(ErrorIds.FileTransferFailed, kind, $"{failure}: {e.Message}", hostPath, e);
        }
    }

    public async Task<string> GetHostNameAsync(CancellationToken cancellationToken)
    {
        if (hostName is null)
        {
            CommandResult result = await RunAsync(CommandLine.Create("uname", "-n"), TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            hostName = result.Succeeded ? result.StandardOutput.Trim() : connectionInfo.Host;
        }

        return hostName;
    }

    /// <summary>Times a no-op command on the host (a full channel round trip) and remembers it.</summary>
    public async Task<TimeSpan> MeasureRoundTripAsync(CancellationToken cancellationToken)
    {
        SshClient connected = await EnsureConnectedAsync(cancellationToken).ConfigureAwait(false);
        return await MeasureAsync(connected, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        await lifetime.CancelAsync().ConfigureAwait(false);
        if (probe is not null)
        {
            await probe.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (client is { IsConnected: true })
        {
            try
            {
                await TerminateAllAsync(TimeSpan.FromSeconds(2), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SshException or TimeoutException or DiskToolsException or ObjectDisposedException)
            {
                // Best effort: the host may be gone already.
            }
        }

        foreach (IRunningCommand command in running.Keys)
        {
            await command.DisposeAsync().ConfigureAwait(false);
        }

        if (Interlocked.Exchange(ref prepared, null) is { } unused)
        {
            await ((Task)unused).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (unused.IsCompletedSuccessfully)
            {
                await unused.Result.DisposeAsync().ConfigureAwait(false);
            }
        }

        if (control is { IsCompletedSuccessfully: true } started)
        {
            await started.Result.DisposeAsync().ConfigureAwait(false);
        }

        sftp?.Dispose();
        client?.Dispose();
        connectGate.Dispose();
        lifetime.Dispose();
    }

    internal void Forget(SshRunningCommand command) => running.TryRemove(command, out _);

    /// <summary>
    /// SIGTERM to a remote process group, SIGKILL to what remains after the grace period — one round trip.
    /// Written as "kill -s SIG -- -PGID", the one spelling dash, bash and busybox all accept. A member that has
    /// exited but not been reaped yet (a zombie, reparented to an init that reaps at leisure) still counts for
    /// kill -0, yet has let go of everything it held: the group is done once only zombies are left.
    /// </summary>
    internal async Task KillProcessGroupAsync(int processGroupId, TimeSpan gracePeriod, CancellationToken cancellationToken)
    {
        const string script = """
            alive() {
                kill -s 0 -- "-$1" 2>/dev/null || return 1
                s=$(ps -e -o pgid= -o stat= 2>/dev/null) || return 0
                printf '%s\n' "$s" | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { f = 1 } END { exit !f }'
            }
            kill -s TERM -- "-$1" 2>/dev/null || exit 0
            i=0
            while [ "$i" -lt "$2" ] && alive "$1"; do sleep 0.1; i=$((i+1)); done
            alive "$1" && kill -s KILL -- "-$1" 2>/dev/null
            exit 0
            """;
        await RunUrgentAsync(CommandLine.ShellScript(script, Invariant(processGroupId), Invariant(Tenths(gracePeriod))), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Ends a command whose process group is not known yet, by the mark its launcher carries as $0
    /// (<see cref="SshRunningCommand.Mark"/>): every process whose command line holds the mark — the login
    /// shell still reading its rc files, or the launcher — has its group sent SIGTERM, then SIGKILL after the
    /// grace period. The host is searched again for a few tenths of a second, for a login shell that sshd
    /// had forked but not yet started. The mark travels in two halves and reaches grep on stdin, so this
    /// search never finds itself.
    /// </summary>
    internal async Task KillMarkedAsync(string mark, TimeSpan gracePeriod, CancellationToken cancellationToken)
    {
        const string script = """
            found() { printf '%s%s\n' "$1" "$2" | grep -laF -f - /proc/[0-9]*/cmdline 2>/dev/null | sed 's|^/proc/||; s|/cmdline$||'; }
            signal() { for p in $(found "$1" "$2"); do kill -s "$3" -- "-$p" 2>/dev/null; kill -s "$3" "$p" 2>/dev/null; done; }
            i=0
            while [ "$i" -lt "$3" ]; do
                signal "$1" "$2" TERM
                [ "$i" -ge 3 ] && [ -z "$(found "$1" "$2")" ] && exit 0
                sleep 0.1; i=$((i+1))
            done
            signal "$1" "$2" KILL
            i=0
            while [ "$i" -lt 10 ] && [ -n "$(found "$1" "$2")" ]; do sleep 0.1; i=$((i+1)); done
            exit 0
            """;
        int half = mark.Length / 2;
        await RunUrgentAsync(CommandLine.ShellScript(script, mark[..half], mark[half..], Invariant(Math.Max(4, Tenths(gracePeriod)))), cancellationToken).ConfigureAwait(false);
    }

    private static int Tenths(TimeSpan span) => (int)Math.Ceiling(span.TotalMilliseconds / 100);

    private static string Invariant(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Runs a short command whose output does not matter through the control shell, which is already running
    /// on the host, so it starts at once; through a new channel when that shell is not there (never started,
    /// or its channel closed).
    /// </summary>
    public async Task<int> RunUrgentAsync(CommandLine command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (await ControlShellAsync(cancellationToken).ConfigureAwait(false) is { } shell)
        {
            try
            {
                return await shell.RunAsync(command, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or SshException || (e is DiskToolsException d && d.ErrorId == ErrorIds.SshConnectionLost))
            {
                // The shell went away under the request; a channel of its own may still get through.
            }
        }

        // A channel of its own, with the reconnect-and-retry every command gets.
        await using SshRunningCommand direct = await LaunchAsync(command, collectWholeStreams: true, cancellationToken).ConfigureAwait(false);
        return await direct.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
    }

    private void StartControlShell(SshClient connected)
    {
        Task<SshControlShell>? previous = Interlocked.Exchange(ref control, SshControlShell.StartAsync(connected, lifetime.Token));
        if (previous is not null)
        {
            _ = previous.ContinueWith(t => t.Result.DisposeAsync().AsTask(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        }
    }

    private async Task<SshControlShell?> ControlShellAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref control) is not { } starting)
        {
            return null;
        }

        try
        {
            // Still starting means it was asked for before this request: waiting for it is never slower than a new channel.
            SshControlShell shell = await starting.WaitAsync(cancellationToken).ConfigureAwait(false);
            return shell.IsAlive ? shell : null;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>
    /// Opens a channel and starts the command. A connection that died unnoticed (the client still believes
    /// it is connected) fails at channel open — before anything ran — so it is safe to reconnect and retry once.
    /// </summary>
    private async Task<SshRunningCommand> LaunchAsync(CommandLine command, bool collectWholeStreams, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            SshClient connected = await EnsureConnectedAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                SshRunningCommand process = await SshRunningCommand.StartAsync(connected, command, this, collectWholeStreams, cancellationToken).ConfigureAwait(false);
                running.TryAdd(process, 0);
                return process;
            }
            catch (Exception e) when (attempt == 1 && e is SshConnectionException or ObjectDisposedException || (e is SshException && !connected.IsConnected))
            {
                await connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    if (ReferenceEquals(client, connected))
                    {
                        client = null;
                        connected.Dispose();
                    }
                }
                finally
                {
                    connectGate.Release();
                }
            }
        }
    }

    private void Raise(ConnectionEvent change) => ConnectionChanged?.Invoke(this, change);

    private async Task<SshClient> EnsureConnectedAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        SshClient? current = client;
        if (current is { IsConnected: true })
        {
            return current;
        }

        await connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (client is { IsConnected: true } again)
            {
                return again;
            }

            Raise(new ConnectionEvent(ConnectionState.Disconnected, Target, null, Reason: "the connection was closed"));
            DiskToolsException? last = null;
            for (int attempt = 1; attempt <= Math.Max(1, options.ReconnectAttempts); attempt++)
            {
                try
                {
                    await ConnectCoreAsync(attempt, cancellationToken).ConfigureAwait(false);
                    return client!;
                }
                catch (DiskToolsException e) when (e.ErrorId == ErrorIds.HostUnreachable)
                {
                    last = e;
                    await Task.Delay(TimeSpan.FromSeconds(Math.Min(8, 1 << (attempt - 1))), cancellationToken).ConfigureAwait(false);
                }
            }

            throw new DiskToolsException(ErrorIds.SshConnectionLost, ErrorKind.ConnectionError,
                $"The connection to {Target} was lost and could not be re-established: {last?.Message}", Target, last);
        }
        finally
        {
            connectGate.Release();
        }
    }

    private async Task ConnectAsync(int attempt, CancellationToken cancellationToken)
    {
        await connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ConnectCoreAsync(attempt, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            connectGate.Release();
        }
    }

    private async Task ConnectCoreAsync(int attempt, CancellationToken cancellationToken)
    {
        if (attempt > 0)
        {
            Raise(new ConnectionEvent(ConnectionState.Reconnecting, Target, LastRoundTrip, attempt));
        }

        client?.Dispose();
        var fresh = new SshClient(connectionInfo) { KeepAliveInterval = keepAlive > TimeSpan.Zero ? keepAlive : Timeout.InfiniteTimeSpan };
        fresh.HostKeyReceived += (_, e) => e.CanTrust = verifier.Verify(e.HostKey);
        int reportedLoss = 0;
        fresh.ErrorOccurred += (_, e) =>
        {
            if (Interlocked.Exchange(ref reportedLoss, 1) == 0 && Volatile.Read(ref disposed) == 0)
            {
                Raise(new ConnectionEvent(ConnectionState.Disconnected, Target, null, Reason: e.Exception.Message));
            }
        };
        client = fresh;
        await ConnectClientAsync(fresh, cancellationToken).ConfigureAwait(false);
        StartControlShell(fresh);
        if (attempt == 0 && options.PrepareChannel)
        {
            PrepareChannel(fresh);
        }

        TimeSpan roundTrip = await MeasureAsync(fresh, cancellationToken).ConfigureAwait(false);
        Raise(new ConnectionEvent(ConnectionState.Connected, Target, roundTrip));
    }

    private async Task ConnectClientAsync(BaseClient target, CancellationToken cancellationToken)
    {
        try
        {
            await target.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (verifier.Failure is { } refused && e is SshException or InvalidOperationException)
        {
            throw new DiskToolsException(refused.ErrorId, refused.Kind, refused.Message, refused.Target, e);
        }
        catch (SshAuthenticationException e)
        {
            throw new DiskToolsException(ErrorIds.SshAuthenticationFailed, ErrorKind.SecurityError,
                $"{Target} refused every authentication method offered ({string.Join(", ", connectionInfo.AuthenticationMethods.Select(m => m.Name))}): {e.Message}", Target, e);
        }
        catch (Exception e) when (e is SocketException or SshConnectionException or SshOperationTimeoutException or ProxyException or TimeoutException or OperationCanceledException or IOException)
        {
            throw new DiskToolsException(ErrorIds.HostUnreachable, ErrorKind.ConnectionError,
                $"Cannot reach {Target}: {e.Message}", Target, e);
        }
    }

    /// <summary>A no-op through the control shell once it is up (a channel of its own would time a login instead).</summary>
    private async Task<TimeSpan> MeasureAsync(SshClient connected, CancellationToken cancellationToken)
    {
        SshControlShell? shell = await ControlShellAsync(cancellationToken).ConfigureAwait(false);
        var watch = Stopwatch.StartNew();
        try
        {
            if (shell is not null)
            {
                await shell.RunAsync(CommandLine.Create("true"), cancellationToken).ConfigureAwait(false);
                return Measured(watch);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SshException)
        {
            // Measured on a channel below.
            watch.Restart();
        }

        using SshCommand noop = connected.CreateCommand("true");
        await noop.ExecuteAsync(cancellationToken).ConfigureAwait(false);
        return Measured(watch);
    }

    private TimeSpan Measured(Stopwatch watch)
    {
        LastRoundTrip = watch.Elapsed;
        return watch.Elapsed;
    }

    private async Task<SftpClient> EnsureSftpAsync(CancellationToken cancellationToken)
    {
        await EnsureConnectedAsync(cancellationToken).ConfigureAwait(false);
        await connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (sftp is { IsConnected: true })
            {
                return sftp;
            }

            sftp?.Dispose();
            var fresh = new SftpClient(connectionInfo);
            fresh.HostKeyReceived += (_, e) => e.CanTrust = verifier.Verify(e.HostKey);
            sftp = fresh;
            await ConnectClientAsync(fresh, cancellationToken).ConfigureAwait(false);
            return fresh;
        }
        finally
        {
            connectGate.Release();
        }
    }

    private async Task ProbeLoopAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                TimeSpan roundTrip = await MeasureRoundTripAsync(cancellationToken).ConfigureAwait(false);
                Raise(new ConnectionEvent(ConnectionState.Alive, Target, roundTrip));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is SshException or DiskToolsException or SocketException or InvalidOperationException)
            {
                // Reported through the Disconnected/Reconnecting events; the next tick tries again.
            }
        }
    }
}
