using System.Collections.Concurrent;
using Npgsql;

namespace DiskTools.TestFixtures;

/// <summary>
/// A throw-away PostgreSQL cluster: initdb + pg_ctl in a temp directory, run as an unprivileged OS user
/// (user 'postgres' when the tests run as root, because initdb refuses root), durability switched off for
/// speed, TCP on 127.0.0.1 on a free port plus a unix socket in the temp directory, trust authentication.
/// </summary>
public sealed class PostgresCluster : IDisposable
{
    private const string ServiceUser = "postgres";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);
    private static readonly ConcurrentDictionary<string, Lazy<string>> Templates = new();
    private static readonly Lazy<PostgresCluster> SharedCluster = new(StartPrivate, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly object _gate = new();
    private readonly string _binDirectory;
    private readonly string _root;
    private bool _running;
    private bool _everStarted;
    private bool _disposed;

    // Run by the watchdog when the test process died without stopping the server: $1 pg_ctl, $2 service user or "".
    private const string WatchdogCleanup = """
        if [ -f "$dir/data/postmaster.pid" ]; then
            if [ -n "$2" ]; then runuser -u "$2" -- "$1" stop -D "$dir/data" -m immediate -w -t 30
            else "$1" stop -D "$dir/data" -m immediate -w -t 30; fi
        fi
        rm -rf "$dir"
        """;

    private PostgresCluster(string binDirectory, string directory)
    {
        _binDirectory = binDirectory;
        _root = directory;
    }

    /// <summary>One cluster per test process, started on first use and stopped when the process exits.</summary>
    public static PostgresCluster Shared => SharedCluster.Value;

    public string Host => "127.0.0.1";

    public int Port { get; private set; }

    public string SuperUser => "postgres";

    /// <summary>The directory holding the unix socket (usable as Host in an Npgsql connection string).</summary>
    public string SocketDirectory => _root;

    public string DataDirectory => Path.Combine(_root, "data");

    /// <summary>The server log (pg_ctl -l): read it when a test needs to know what the server said.</summary>
    public string LogPath => Path.Combine(_root, "server.log");

    /// <summary>The PostgreSQL bin directory in use (pg_dump, psql, ... of the same major version).</summary>
    public string BinDirectory => _binDirectory;

    public bool IsRunning => _running;

    /// <summary>A cluster of your own, for tests that stop, restart or kill it. Dispose it.</summary>
    public static PostgresCluster StartPrivate()
    {
        string? bin = FindBinDirectory();
        Prerequisite.Require(bin is not null, "PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin; install the 'postgresql' package");
        if (Prerequisite.IsRoot)
        {
            Prerequisite.Require(Prerequisite.FindExecutable("runuser") is not null, "runuser not found (util-linux); needed to run PostgreSQL as user 'postgres' because initdb refuses root");
            Prerequisite.Require(ProcessRunner.TryRun("id", ["-u", ServiceUser]).Succeeded, "OS user 'postgres' does not exist; initdb refuses root and the tests run PostgreSQL as that user");
        }

        var cluster = new PostgresCluster(bin!, FixtureDirectory.Create("pg"));
        ExitCleanup.Register(cluster);
        Watchdog.Start(cluster._root, WatchdogCleanup, Path.Combine(bin!, "pg_ctl"), Prerequisite.IsRoot ? ServiceUser : "");
        try
        {
            cluster.Initialize();
            cluster.Start();
            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    /// <summary>Creates a fresh, empty database and returns its connection string.</summary>
    public string CreateDatabase(string? name = null)
    {
        name ??= "t_" + Guid.NewGuid().ToString("N")[..12];
        using (var connection = new NpgsqlConnection(ConnectionString("postgres")))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"CREATE DATABASE {QuoteIdentifier(name)} TEMPLATE template0", connection);
            command.ExecuteNonQuery();
        }

        return ConnectionString(name);
    }

    /// <summary>Drops a database, disconnecting whoever still uses it.</summary>
    public void DropDatabase(string name)
    {
        using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        connection.Open();
        using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {QuoteIdentifier(name)} WITH (FORCE)", connection);
        command.ExecuteNonQuery();
    }

    /// <summary>A connection string for <paramref name="database"/> as the superuser over TCP.</summary>
    public string ConnectionString(string database)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Username = SuperUser,
            Database = database,
            // Pools of many test classes against one server must stay under max_connections.
            MaxPoolSize = 20,
            IncludeErrorDetail = true,
        };
        return builder.ConnectionString;
    }

    /// <summary>Stops the server (fast shutdown: committed data survives). Port and data stay.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            if (!_running)
            {
                return;
            }

            NpgsqlConnection.ClearAllPools();
            PgCtl("stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "60");
            _running = false;
        }
    }

    /// <summary>Starts the server again with the same data directory and port.</summary>
    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_running)
            {
                return;
            }

            // The port was free when chosen; another program may have taken it since. Pick a new one then
            // (only before the first start: after that, tests rely on the port staying the same).
            for (int attempt = 1; ; attempt++)
            {
                if (Port == 0)
                {
                    Port = FreePort.Next();
                    // The last setting in postgresql.conf wins, so appending is enough.
                    File.AppendAllText(Path.Combine(DataDirectory, "postgresql.conf"), $"port = {Port}\n");
                }

                try
                {
                    PgCtl("start", "-D", DataDirectory, "-l", LogPath, "-w", "-t", "60");
                    _running = true;
                    _everStarted = true;
                    return;
                }
                catch (ProcessFailedException) when (attempt < 3 && !_everStarted && ReadLog().Contains("already in use", StringComparison.Ordinal))
                {
                    Port = 0;
                }
                catch (ProcessFailedException ex)
                {
                    throw new InvalidOperationException($"PostgreSQL did not start: {ex.Message}\nserver log:\n{ReadLog()}", ex);
                }
            }
        }
    }

    /// <summary>Stops the server at once and deletes its directory.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            ExitCleanup.Unregister(this);
            if (_running)
            {
                NpgsqlConnection.ClearAllPools();
                // Immediate: nothing is kept, so there is nothing to flush.
                (string file, string[] args) = RunAsServiceUser(Path.Combine(_binDirectory, "pg_ctl"), ["stop", "-D", DataDirectory, "-m", "immediate", "-w", "-t", "30"]);
                ProcessRunner.TryRun(file, args, CommandTimeout, workingDirectory: _root);
                _running = false;
            }

            FixtureDirectory.Delete(_root);
        }
    }

    private void Initialize()
    {
        if (Prerequisite.IsRoot)
        {
            ProcessRunner.Run("chown", $"{ServiceUser}:", _root);
        }

        // A copy of one initdb per process: initdb takes seconds on a busy machine, a copy a fraction.
        // cp -a keeps the service user as owner, which the server insists on.
        string template = Templates.GetOrAdd(_binDirectory, bin => new Lazy<string>(() => CreateTemplate(bin))).Value;
        ProcessRunner.Run("cp", ["-a", template, DataDirectory], CommandTimeout);

        string settings = string.Join('\n',
            "",
            "# Test fixture: loopback only, no durability, many parallel test classes.",
            "listen_addresses = '127.0.0.1'",
            $"unix_socket_directories = '{_root}'",
            "fsync = off",
            "full_page_writes = off",
            "synchronous_commit = off",
            "max_connections = 200",
            "shared_buffers = 32MB",
            "log_min_messages = warning",
            "");
        // Appending keeps the file owned by the service user.
        File.AppendAllText(Path.Combine(DataDirectory, "postgresql.conf"), settings);
    }

    /// <summary>initdb into a directory of its own, deleted at process exit; returns the data directory.</summary>
    private static string CreateTemplate(string binDirectory)
    {
        string root = FixtureDirectory.Create("pgtemplate");
        var deleteAtExit = new DirectoryDeletion(root);
        ExitCleanup.Register(deleteAtExit);
        Watchdog.Start(root, "rm -rf \"$dir\"");
        if (Prerequisite.IsRoot)
        {
            ProcessRunner.Run("chown", $"{ServiceUser}:", root);
        }

        string data = Path.Combine(root, "data");
        // --no-sync: nothing here must survive a machine crash, and syncing costs seconds on a busy disk.
        RunBinary(binDirectory, root, "initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync", "--no-instructions");
        return data;
    }

    private void PgCtl(params string[] arguments) => RunBinary(_binDirectory, _root, "pg_ctl", arguments);

    private static void RunBinary(string binDirectory, string workingDirectory, string name, params string[] arguments)
    {
        (string file, string[] args) = RunAsServiceUser(Path.Combine(binDirectory, name), arguments);
        ProcessRunner.Run(file, args, CommandTimeout, workingDirectory);
    }

    private static (string File, string[] Args) RunAsServiceUser(string binary, string[] arguments) =>
        Prerequisite.IsRoot
            ? ("runuser", ["-u", ServiceUser, "--", binary, .. arguments])
            : (binary, arguments);

    private string ReadLog()
    {
        try
        {
            return File.Exists(LogPath) ? File.ReadAllText(LogPath) : "(no log)";
        }
        catch (IOException ex)
        {
            return $"(log unreadable: {ex.Message})";
        }
    }

    private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    /// <summary>The newest PostgreSQL bin directory that has initdb and pg_ctl.</summary>
    private static string? FindBinDirectory()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root))
        {
            return null;
        }

        return Directory.GetDirectories(root)
            .Select(dir => (Version: int.TryParse(Path.GetFileName(dir), out int v) ? v : -1, Bin: Path.Combine(dir, "bin")))
            .Where(c => File.Exists(Path.Combine(c.Bin, "initdb")) && File.Exists(Path.Combine(c.Bin, "pg_ctl")))
            .OrderByDescending(c => c.Version)
            .Select(c => c.Bin)
            .FirstOrDefault();
    }

    private sealed class DirectoryDeletion(string path) : IDisposable
    {
        public void Dispose() => FixtureDirectory.Delete(path);
    }
}
