using System.ComponentModel;

namespace DiskTools.Engine.Remoting;

/// <summary>
/// Runs commands on this machine with <see cref="Process"/> and an argument list — no shell is involved.
/// Each command is started through util-linux <c>setsid</c>, which makes it the leader of a new session and
/// process group, so terminating it signals everything it started; the program is looked up on the PATH
/// of the command's environment (127 when missing, as a shell would report). In front of that, util-linux
/// <c>setpriv --pdeathsig KILL</c> has the kernel kill the command when this process dies, even by SIGKILL,
/// so no command outlives the session that started it. The kernel ties that to the thread that started the
/// child, so every child is started from one thread that lives as long as the process (<see cref="ChildSpawner"/>).
/// </summary>
public sealed class LocalExecutor : ICommandExecutor
{
    private static readonly string[] SetsidCandidates = ["/usr/bin/setsid", "/bin/setsid", "/usr/local/bin/setsid"];
    private static readonly string[] SetprivCandidates = ["/usr/bin/setpriv", "/bin/setpriv", "/usr/local/bin/setpriv"];
    private static readonly string[] FlockCandidates = ["/usr/bin/flock", "/bin/flock", "/usr/local/bin/flock"];
    private readonly IReadOnlyDictionary<string, string?> environment;
    private readonly string? setsid = SetsidCandidates.FirstOrDefault(File.Exists);
    private readonly string? setpriv = SetprivCandidates.FirstOrDefault(File.Exists);
    private readonly string? flock = FlockCandidates.FirstOrDefault(File.Exists);
    private readonly ConcurrentDictionary<LocalRunningCommand, byte> running = new();

    /// <summary>
    /// A file every command this executor starts holds a shared flock on for as long as it (or anything it
    /// starts) lives: a sync session's <see cref="Sync.Safety.LocalSessionLock.ChildrenPath"/>, so that the host
    /// counts as locked while any of the session's children could still write. Each command opens the file
    /// itself (util-linux <c>flock --no-fork</c> in front of it), so no descriptor of this process is ever made
    /// inheritable, and no program started elsewhere in the process can come to hold it.
    /// </summary>
    internal string? SessionChildrenLock { get; init; }

    /// <param name="environment">Variables to set (or, with a null value, remove) for every command, e.g. PATH.</param>
    public LocalExecutor(IReadOnlyDictionary<string, string?>? environment = null)
    {
        this.environment = environment ?? new Dictionary<string, string?>();
    }

    public string Target => "localhost";

    public bool IsRemote => false;

    /// <summary>Here a process starts at once anyway: the same as <see cref="RunAsync"/>, output dropped.</summary>
    public async Task<int> RunUrgentAsync(CommandLine command, CancellationToken cancellationToken)
        => (await RunAsync(command, timeout: null, cancellationToken).ConfigureAwait(false)).ExitCode;

    public async Task<CommandResult> RunAsync(CommandLine command, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        await using LocalRunningCommand process = Launch(command, collectWholeStreams: true);
        return await CommandCompletion.AwaitResultAsync(process, process.CollectedOutputAsync, timeout, Target, cancellationToken).ConfigureAwait(false);
    }

    public Task<IRunningCommand> StartAsync(CommandLine command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IRunningCommand>(Launch(command, collectWholeStreams: false));
    }

    public Task TerminateAllAsync(TimeSpan gracePeriod, CancellationToken cancellationToken)
        => Task.WhenAll(running.Keys.Select(c => c.TerminateAsync(gracePeriod, cancellationToken)));

    public async Task SendFileAsync(string localPath, string hostPath, CancellationToken cancellationToken)
        => await CopyAsync(localPath, hostPath, cancellationToken).ConfigureAwait(false);

    public async Task FetchFileAsync(string hostPath, string localPath, CancellationToken cancellationToken)
        => await CopyAsync(hostPath, localPath, cancellationToken).ConfigureAwait(false);

    public Task<string> GetHostNameAsync(CancellationToken cancellationToken) => Task.FromResult(Environment.MachineName);

    public async ValueTask DisposeAsync() => await TerminateAllAsync(TimeSpan.FromSeconds(2), CancellationToken.None).ConfigureAwait(false);

    private static async Task CopyAsync(string from, string to, CancellationToken cancellationToken)
    {
        try
        {
            await using var source = new FileStream(from, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            await using var destination = new FileStream(to, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await source.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DiskToolsException(ErrorIds.FileTransferFailed, ErrorKind.WriteError, $"Cannot copy '{from}' to '{to}': {e.Message}", to, e);
        }
    }

    private LocalRunningCommand Launch(CommandLine command, bool collectWholeStreams)
    {
        var start = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = System.Text.Encoding.UTF8,
            StandardErrorEncoding = System.Text.Encoding.UTF8,
        };
        var prefix = new List<string>();
        if (setpriv is not null)
        {
            // Dies with this process: the parent-death signal survives the execs that follow.
            prefix.AddRange([setpriv, "--pdeathsig", "KILL", "--"]);
        }

        if (SessionChildrenLock is not null)
        {
            // flock(1) opens the file, takes the shared lock and execs what follows, which keeps the descriptor:
            // the lock lives exactly as long as the command and its children. In front of setsid, so that a
            // missing program still reports setsid's 127, not flock's own exit code.
            string holder = flock ?? throw new DiskToolsException(ErrorIds.CommandStartFailed, ErrorKind.NotInstalled,
                $"Cannot start '{command.Program}' on {Target}: flock (util-linux) is not installed, and a session's children must hold its lock.",
                command.Program);
            prefix.AddRange([holder, "--shared", "--no-fork", "--", SessionChildrenLock]);
        }

        if (setsid is not null)
        {
            // --wait: should setsid ever have to fork, it still reports the program's exit status.
            prefix.AddRange([setsid, "--wait"]);
        }

        if (prefix.Count > 0)
        {
            start.FileName = prefix[0];
            foreach (string word in prefix.Skip(1))
            {
                start.ArgumentList.Add(word);
            }

            start.ArgumentList.Add(command.Program);
        }
        else
        {
            start.FileName = command.Program;
        }

        foreach (string argument in command.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach ((string name, string? value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        Process process = new() { StartInfo = start };
        try
        {
            ChildSpawner.Start(process);
        }
        catch (Win32Exception e)
        {
            process.Dispose();
            throw new DiskToolsException(ErrorIds.CommandStartFailed, ErrorKind.NotInstalled,
                $"Cannot start '{command.Program}' on {Target}: {e.Message}", command.Program, e);
        }

        // Non-interactive by design: the command sees end-of-file on stdin at once.
        process.StandardInput.Close();
        var handle = new LocalRunningCommand(command, process, isGroupLeader: setsid is not null, collectWholeStreams, c => running.TryRemove(c, out _));
        running.TryAdd(handle, 0);
        return handle;
    }
}
