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
    // against the process's command line, so a recycled pid is never killed.
    private const string WatchdogCleanup = """
        pid=$(cat "$dir/sshd.pid")
        if [ -n "$pid" ] && grep -aqF "$dir/" "/proc/$pid/cmdline"; then
            pkill -KILL -P "$pid"
            kill -KILL "$pid"
        fi
        rm -rf "$dir"
        """;

    private SshServer(string root)
    {
        _root = root;
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

    private string HostKeyPath => Path.Combine(_root, "ssh_host_ed25519_key");

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

        FixtureDirectory.Delete(_root);
    }

    private void GenerateKeys()
    {
        ProcessRunner.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "disktools-test-host", "-f", HostKeyPath);
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

        var startInfo = new ProcessStartInfo(SshdPath)
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            WorkingDirectory = _root,
        };
        foreach (string arg in new[] { "-D", "-e", "-f", SshdConfigPath })
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
