using System.Diagnostics;
using System.Text;

namespace DiskTools.TestFixtures;

/// <summary>
/// An sshd of its own on 127.0.0.1:&lt;free port&gt; with a generated ed25519 host key and user key, its own
/// sshd_config in a temp directory, running in the foreground as a child of the test process. The client
/// side pins the host key: <see cref="KnownHostsPath"/> lists only this server, <see cref="HostKeyFingerprint"/>
/// is what a client must check, and <see cref="ConfigPath"/> is an ssh_config with <see cref="Alias"/>.
/// </summary>
public sealed class SshServer : IDisposable
{
    private const string SshdPath = "/usr/sbin/sshd"; // sshd refuses to re-exec itself unless started by full path
    private static readonly Lazy<SshServer> SharedServer = new(StartPrivate, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly string _root;
    private readonly StringBuilder _log = new();
    private Process? _sshd;
    private bool _disposed;

    // Run by the watchdog when the test process died without stopping sshd. The pid file is checked
    // against the process's command line, so a recycled pid is never killed. Mounts below the directory
    // (an isolated server's shared directory and volumes in it) go first, so rm never reaches into them.
    private const string WatchdogCleanup = """
        pid=$(cat "$dir/sshd.pid")
        if [ -n "$pid" ] && grep -aqF "$dir/" "/proc/$pid/cmdline"; then
            pkill -KILL -P "$pid"
            kill -KILL "$pid"
        fi
        for mp in $(awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | tac); do
            umount "$mp" || umount -l "$mp"
        done
        awk -v d="$dir/" 'index($5, d) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo || rm -rf "$dir"
        """;

    // The isolated server's namespace: a private /run (its own lock directory and /run/sshd), its own
    // machine id and, when asked, its own hostname (written to the UTS namespace as raw bytes); and the rc
    // file. $1 the machine-id file, $2 the hostname file (may be absent), $3 the rc file, $4 the
    // user's ~/.bashrc it stands in for; then sshd's command line.
    private const string IsolationScript = """
        set -e
        mount -t tmpfs -o mode=755 disktools-run /run
        mkdir -m 755 /run/sshd
        mount --bind "$1" /etc/machine-id
        if [ -f "$2" ]; then cat "$2" > /proc/sys/kernel/hostname; fi
        [ -e "$4" ] || : > "$4"
        mount --bind "$3" "$4"
        shift 4
        exec "$@"
        """;

    // An isolated server's logins read a rc file of the fixture's own in place of the user's ~/.bashrc.
    // This machine's ~/.bashrc runs pyenv's rehash, which keeps a lock file while it works: a test that kills
    // a login at the wrong moment leaves the lock behind, and every later login then waits for it. Tests must
    // not depend on what an earlier test happened to kill; bench/ measures logins with the real rc files.
    // A server in this namespace (StartPrivate) cannot have one: volumes mounted after it started would not
    // reach a namespace of its own, so its logins read the real rc files, and it sets PYENV_REHASH_TIMEOUT=0.

    private readonly SshIsolation? _isolation;
    private string? _hostKeyPath;

    private SshServer(string root, SshIsolation? isolation = null)
    {
        _root = root;
        _isolation = isolation;
    }

    /// <summary>One sshd per test process, started on first use and stopped when the process exits.</summary>
    public static SshServer Shared => SharedServer.Value;

    public string Host => "127.0.0.1";

    public int Port { get; private set; }

    /// <summary>The user the tests log in as: the current user (root in CI).</summary>
    public string UserName { get; } = Environment.UserName;

    /// <summary>The user's ed25519 private key (OpenSSH format, no passphrase).</summary>
    public string PrivateKeyPath => Path.Combine(_root, "id_ed25519");

    /// <summary>A known_hosts file with exactly one line: "[127.0.0.1]:&lt;port&gt; ssh-ed25519 ...".</summary>
    public string KnownHostsPath => Path.Combine(_root, "known_hosts");

    /// <summary>The host key's fingerprint as ssh-keygen -l prints it: "SHA256:&lt;base64 without padding&gt;".</summary>
    public string HostKeyFingerprint { get; private set; } = "";

    /// <summary>An ssh_config defining <see cref="Alias"/> (HostName, Port, User, IdentityFile, UserKnownHostsFile, StrictHostKeyChecking yes).</summary>
    public string ConfigPath => Path.Combine(_root, "ssh_config");

    public string Alias => "disktools-test";

    /// <summary>The host's public key line ("ssh-ed25519 AAAA...").</summary>
    public string HostPublicKey { get; private set; } = "";

    /// <summary>The listening sshd's process id.</summary>
    public int ProcessId => _sshd?.Id ?? 0;

    /// <summary>What sshd wrote to stderr (-e), for diagnosing a failed login.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    private string HostKeyPath => _hostKeyPath ?? Path.Combine(_root, "ssh_host_ed25519_key");

    /// <summary>
    /// An isolated server's shared directory: what is mounted below it (e.g. a <see cref="BtrfsVolume"/> made
    /// with <see cref="BtrfsVolume.CreateUnder"/>) appears in the server's mount namespace too.
    /// </summary>
    public string SharedDirectory => Path.Combine(_root, "shared");

    /// <summary>The machine id the isolated server's host has (its own /etc/machine-id).</summary>
    public string? MachineId { get; private set; }

    /// <summary>Whether the server runs in a mount namespace of its own (<see cref="StartIsolated"/>).</summary>
    public bool IsIsolated => _isolation is not null;

    /// <summary>
    /// A path as the server's processes see it, readable from here: through /proc/&lt;sshd&gt;/root, which is the
    /// root of the server's mount namespace (its private /run, for instance).
    /// </summary>
    public string PathInside(string path) => IsIsolated ? $"/proc/{ProcessId}/root{path}" : path;

    /// <summary>
    /// An sshd that is another machine as far as a session can tell: in a mount (and UTS) namespace of its own
    /// with a private /run and its own /etc/machine-id, optionally its own hostname and host key. Volumes for
    /// it go under <see cref="SharedDirectory"/> (mounts there propagate into the namespace). Root only.
    /// </summary>
    public static SshServer StartIsolated(SshIsolation? isolation = null)
    {
        isolation ??= new SshIsolation();
        Prerequisite.Require(Prerequisite.IsRoot, "an isolated sshd needs root (mount namespaces)");
        Prerequisite.Require(Prerequisite.FindExecutable("unshare") is not null, "unshare not found; install 'util-linux'");
        Prerequisite.Require(File.Exists("/etc/machine-id"), "/etc/machine-id is missing; an isolated sshd hides it behind its own");
        Prerequisite.Require(File.Exists(SshdPath), $"{SshdPath} not found; install the 'openssh-server' package");
        Prerequisite.Require(Prerequisite.FindExecutable("ssh-keygen") is not null, "ssh-keygen not found; install the 'openssh-client' package");

        var server = new SshServer(FixtureDirectory.Create("ssh"), isolation);
        ExitCleanup.Register(server);
        Watchdog.Start(server._root, WatchdogCleanup);
        try
        {
            Directory.CreateDirectory(server.SharedDirectory);
            ProcessRunner.Run("mount", "--bind", server.SharedDirectory, server.SharedDirectory);
            ProcessRunner.Run("mount", "--make-shared", server.SharedDirectory);
            server.MachineId = isolation.MachineId ?? Guid.NewGuid().ToString("N");
            File.WriteAllText(Path.Combine(server._root, "machine-id"), server.MachineId + "\n");
            if (isolation.Hostname is { } name)
            {
                File.WriteAllBytes(Path.Combine(server._root, "hostname"), Encoding.UTF8.GetBytes(name));
            }

            server._hostKeyPath = isolation.HostKeyPath;
            server.GenerateKeys();
            server.Launch();
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    private string SshdConfigPath => Path.Combine(_root, "sshd_config");

    /// <summary>An sshd of your own, for tests that kill its sessions. Dispose it.</summary>
    public static SshServer StartPrivate()
    {
        Prerequisite.Require(File.Exists(SshdPath), $"{SshdPath} not found; install the 'openssh-server' package");
        Prerequisite.Require(Prerequisite.FindExecutable("ssh-keygen") is not null, "ssh-keygen not found; install the 'openssh-client' package");

        var server = new SshServer(FixtureDirectory.Create("ssh"));
        ExitCleanup.Register(server);
        Watchdog.Start(server._root, WatchdogCleanup);
        try
        {
            server.GenerateKeys();
            server.Launch();
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Kills every session of this sshd (the per-connection children of the listener and everything they
    /// started), which drops every live connection; the listener keeps accepting new ones.
    /// </summary>
    public void KillSessions()
    {
        int listener = ProcessId;
        if (listener == 0)
        {
            return;
        }

        List<int> sessions = ChildrenOf(listener);
        foreach (int pid in sessions)
        {
            try
            {
                using Process session = Process.GetProcessById(pid);
                session.Kill(entireProcessTree: true);
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
            catch (InvalidOperationException)
            {
                // Exited while we looked.
            }
        }

        // Kill is asynchronous; callers expect the connections to be gone when this returns.
        var deadline = Stopwatch.StartNew();
        while (sessions.Any(pid => Directory.Exists($"/proc/{pid}") && ChildrenOf(listener).Contains(pid)) && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(20);
        }
    }

    public void Dispose()
    {
        lock (_log)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        ExitCleanup.Unregister(this);
        if (_sshd is not null)
        {
            KillSessions();
            try
            {
                _sshd.Kill(entireProcessTree: true);
                _sshd.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
                // It already exited.
            }

            _sshd.Dispose();
            _sshd = null;
        }

        if (IsIsolated && MountTable.IsMounted(SharedDirectory))
        {
            // Volumes below it were disposed first; lazily if something still holds the bind mount.
            if (!ProcessRunner.TryRun("umount", [SharedDirectory], TimeSpan.FromSeconds(30)).Succeeded)
            {
                ProcessRunner.TryRun("umount", ["-l", SharedDirectory], TimeSpan.FromSeconds(30));
            }
        }

        FixtureDirectory.Delete(_root);
    }

    private void GenerateKeys()
    {
        if (_hostKeyPath is null)
        {
            ProcessRunner.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "disktools-test-host", "-f", HostKeyPath);
        }

        ProcessRunner.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "disktools-test-user", "-f", PrivateKeyPath);
        File.Copy(PrivateKeyPath + ".pub", Path.Combine(_root, "authorized_keys"));

        // "ssh-ed25519 AAAA... comment" -> type and key only.
        string[] hostKey = File.ReadAllText(HostKeyPath + ".pub").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        HostPublicKey = $"{hostKey[0]} {hostKey[1]}";

        // "256 SHA256:abc... comment (ED25519)"
        string listing = ProcessRunner.Run("ssh-keygen", "-l", "-E", "sha256", "-f", HostKeyPath + ".pub").StandardOutput;
        HostKeyFingerprint = listing.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
    }

    private void Launch()
    {
        // Privilege separation needs this directory; a fresh container often lacks it.
        if (Prerequisite.IsRoot)
        {
            Directory.CreateDirectory("/run/sshd");
        }

        for (int attempt = 1; ; attempt++)
        {
            Port = FreePort.Next();
            WriteConfigFiles();
            // Configuration mistakes show up here with a clear message instead of a silent exit.
            ProcessRunner.Run(SshdPath, "-t", "-f", SshdConfigPath);
            if (TryStartListener(out string failure))
            {
                return;
            }

            if (attempt >= 3 || !failure.Contains("Address already in use", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"sshd did not start on 127.0.0.1:{Port}: {failure}");
            }
        }
    }

    private bool TryStartListener(out string failure)
    {
        lock (_log)
        {
            _log.Clear();
        }

        string rcFile = _isolation?.ShellRcFile ?? Path.Combine(_root, "login-rc");
        if (IsIsolated && !File.Exists(rcFile))
        {
            File.WriteAllText(rcFile, "# The logins of a DiskTools test sshd read nothing else.\n");
        }

        string userRc = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".bashrc");
        var startInfo = new ProcessStartInfo(IsIsolated ? "unshare" : SshdPath)
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            WorkingDirectory = _root,
        };
        string[] command = IsIsolated
            ? ["--mount", "--uts", "--propagation", "slave", "--", "/bin/sh", "-c", IsolationScript, "disktools-isolated-sshd",
                Path.Combine(_root, "machine-id"), Path.Combine(_root, "hostname"), rcFile, userRc, SshdPath, "-D", "-e", "-f", SshdConfigPath]
            : ["-D", "-e", "-f", SshdConfigPath];
        foreach (string arg in command)
        {
            startInfo.ArgumentList.Add(arg);
        }

        var sshd = new Process { StartInfo = startInfo };
        sshd.ErrorDataReceived += (_, e) => AppendLog(e.Data);
        sshd.OutputDataReceived += (_, e) => AppendLog(e.Data);
        sshd.Start();
        sshd.BeginErrorReadLine();
        sshd.BeginOutputReadLine();

        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < StartTimeout)
        {
            if (sshd.HasExited)
            {
                sshd.WaitForExit();
                failure = $"exited with {sshd.ExitCode}: {Log.Trim()}";
                sshd.Dispose();
                return false;
            }

            if (FreePort.IsListening(Port))
            {
                _sshd = sshd;
                failure = "";
                return true;
            }

            Thread.Sleep(25);
        }

        sshd.Kill(entireProcessTree: true);
        sshd.Dispose();
        failure = $"not listening after {StartTimeout.TotalSeconds} s: {Log.Trim()}";
        return false;
    }

    private void AppendLog(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    private void WriteConfigFiles()
    {
        File.WriteAllText(SshdConfigPath, $"""
            # sshd for the DiskTools tests: loopback only, key authentication only, everything in {_root}.
            Port {Port}
            ListenAddress 127.0.0.1
            HostKey {HostKeyPath}
            PidFile {Path.Combine(_root, "sshd.pid")}
            AuthorizedKeysFile {Path.Combine(_root, "authorized_keys")}
            StrictModes no
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitRootLogin prohibit-password
            UsePAM no
            PrintMotd no
            # Parallel test classes open many connections at once.
            MaxStartups 100:30:200
            MaxSessions 50
            Subsystem sftp internal-sftp
            LogLevel INFO
            {SessionEnvironmentLine()}
            """);

        File.WriteAllText(KnownHostsPath, $"[{Host}]:{Port} {HostPublicKey}\n");

        File.WriteAllText(ConfigPath, $"""
            Host {Alias}
                HostName {Host}
                Port {Port}
                User {UserName}
                IdentityFile {PrivateKeyPath}
                IdentitiesOnly yes
                UserKnownHostsFile {KnownHostsPath}
                GlobalKnownHostsFile /dev/null
                StrictHostKeyChecking yes
                BatchMode yes
                PasswordAuthentication no
                LogLevel ERROR

            """);
        if (!OperatingSystem.IsWindows())
        {
            // ssh refuses a config file others can write to.
            File.SetUnixFileMode(ConfigPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    // One SetEnv line for every variable: sshd takes the first SetEnv line and ignores the rest.
    private string SessionEnvironmentLine()
        => "SetEnv PYENV_REHASH_TIMEOUT=0" + string.Concat((_isolation?.SessionEnvironment ?? new Dictionary<string, string>()).Select(e => $" \"{e.Key}={e.Value}\""));

    /// <summary>Direct children of <paramref name="pid"/>, from /proc/&lt;pid&gt;/task/*/children.</summary>
    private static List<int> ChildrenOf(int pid)
    {
        var children = new List<int>();
        string tasks = $"/proc/{pid}/task";
        if (!Directory.Exists(tasks))
        {
            return children;
        }

        try
        {
            foreach (string task in Directory.GetDirectories(tasks))
            {
                string text = File.ReadAllText(Path.Combine(task, "children"));
                children.AddRange(text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse));
            }
        }
        catch (IOException)
        {
            // The process exited while we read.
        }
        catch (UnauthorizedAccessException)
        {
        }

        return children;
    }
}

/// <summary>How an isolated sshd's host differs from this one (see <see cref="SshServer.StartIsolated"/>).</summary>
public sealed record SshIsolation
{
    /// <summary>Its /etc/machine-id (32 hex digits); null for a fresh random one.</summary>
    public string? MachineId { get; init; }

    /// <summary>Its hostname as uname -n reports it, any bytes the kernel takes; null keeps this one's.</summary>
    public string? Hostname { get; init; }

    /// <summary>A host key file to serve instead of a generated one (e.g. this machine's own).</summary>
    public string? HostKeyPath { get; init; }

    /// <summary>
    /// A file that stands in for the user's ~/.bashrc on the server (bash reads it before every command an
    /// SSH session runs, as it reads a real host's); null for the fixture's empty one.
    /// </summary>
    public string? ShellRcFile { get; init; }

    /// <summary>Variables every session on the server gets (sshd's SetEnv), e.g. the target's own XDG_DATA_HOME.</summary>
    public IReadOnlyDictionary<string, string>? SessionEnvironment { get; init; }
}
