using System.Net;

namespace DiskTools.Engine.Storage;

/// <summary>
/// The PostgreSQL database that holds the file inventory. Resolves where to connect (an explicit connection
/// string, else $DISKTOOLS_CONNECTION), adds a credential's password if one is given (otherwise Npgsql
/// reads PGPASSFILE or ~/.pgpass itself), and hands out one pooled data source per distinct connection
/// string for the life of the process, so every command in a session shares the pool.
/// </summary>
public sealed class InventoryDatabase
{
    public const string EnvironmentVariable = "DISKTOOLS_CONNECTION";

    private static readonly ConcurrentDictionary<string, NpgsqlDataSource> DataSources = new(StringComparer.Ordinal);

    /// <summary>How long opening a connection may take, retries included, unless the connection string sets Timeout.</summary>
    public static readonly TimeSpan DefaultConnectBudget = TimeSpan.FromSeconds(5);

    private InventoryDatabase(NpgsqlDataSource dataSource, string description, string? secret, bool fromEnvironment, TimeSpan connectBudget)
    {
        DataSource = dataSource;
        Description = description;
        Secret = secret;
        FromEnvironment = fromEnvironment;
        ConnectBudget = connectBudget;
    }

    /// <summary>The shared, pooled data source (multiplexing off: temp tables and advisory locks are per session).</summary>
    internal NpgsqlDataSource DataSource { get; }

    /// <summary>"user@host:port/database", safe to show: never contains the password.</summary>
    public string Description { get; }

    private string? Secret { get; }

    /// <summary>True when the connection string came from $env:DISKTOOLS_CONNECTION rather than -ConnectionString.</summary>
    public bool FromEnvironment { get; }

    /// <summary>Where the connection string came from, as the user set it: "$env:DISKTOOLS_CONNECTION" or "-ConnectionString".</summary>
    public string OriginName => FromEnvironment ? "$env:" + EnvironmentVariable : "-ConnectionString";

    /// <summary>"from $env:DISKTOOLS_CONNECTION" or "from -ConnectionString", for messages.</summary>
    public string Origin => "from " + OriginName;

    /// <summary>How long opening a connection may take, retries included.</summary>
    public TimeSpan ConnectBudget { get; }

    /// <summary>Resolves the connection and returns the shared data source for it.</summary>
    /// <exception cref="DiskToolsException">No connection string anywhere, or one that cannot be parsed.</exception>
    public static InventoryDatabase Open(string? connectionString, NetworkCredential? credential)
    {
        bool fromEnvironment = string.IsNullOrWhiteSpace(connectionString);
        string? text = fromEnvironment
            ? Environment.GetEnvironmentVariable(EnvironmentVariable)
            : connectionString;
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new DiskToolsException(
                ErrorIds.InventoryConnectionMissing,
                ErrorKind.InvalidArgument,
                $"No inventory database given: pass -ConnectionString (e.g. 'Host=localhost;Database=inventory;Username=me') or set $env:{EnvironmentVariable}.");
        }

        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(text);
        }
        catch (ArgumentException e)
        {
            // The parser's message may quote the string, password included: say only what was wrong.
            throw new DiskToolsException(ErrorIds.InventoryConnectionStringInvalid, ErrorKind.InvalidArgument,
                $"The inventory connection string {(fromEnvironment ? "in $env:" + EnvironmentVariable : "given to -ConnectionString")} cannot be parsed: " + Scrub(e.Message, text), null);
        }

        if (credential is not null)
        {
            if (!string.IsNullOrEmpty(credential.UserName))
            {
                builder.Username = credential.UserName;
            }

            builder.Password = credential.Password;
        }

        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = "DiskTools";
        }

        // Session state (temporary tables, advisory locks) must stay on one physical connection.
        builder.Multiplexing = false;

        // A server that does not answer is reported within seconds, unless the string asks to wait longer.
        TimeSpan budget = DefaultConnectBudget;
        if (AsksForTimeout(text) && builder.Timeout > 0)
        {
            budget = TimeSpan.FromSeconds(builder.Timeout);
        }
        else
        {
            builder.Timeout = (int)DefaultConnectBudget.TotalSeconds;
        }

        string key = builder.ConnectionString;
        string description = $"{builder.Username ?? Environment.UserName}@{builder.Host}:{builder.Port}/{builder.Database ?? builder.Username}";
        NpgsqlDataSource source = DataSources.GetOrAdd(key, static k => new NpgsqlDataSourceBuilder(k).Build());
        return new InventoryDatabase(source, description, string.IsNullOrEmpty(builder.Password) ? null : builder.Password, fromEnvironment, budget);
    }

    /// <summary>
    /// Opens a pooled connection, retrying transient failures with backoff within <see cref="ConnectBudget"/>.
    /// A server that cannot be reached, a missing database or refused credentials become the
    /// <see cref="DatabaseErrors"/> error at once (the last two are never retried).
    /// </summary>
    internal async Task<NpgsqlConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && (e is NpgsqlException or SocketException or TimeoutException or IOException))
            {
                DiskToolsException? known = DatabaseErrors.Classify(this, e, connecting: true);
                bool retry = known?.ErrorId == ErrorIds.InventoryDatabaseUnreachable && Transient.IsTransient(e)
                    && attempt < Transient.Backoff.Length && clock.Elapsed + Transient.Backoff[attempt] < ConnectBudget;
                if (!retry)
                {
                    throw known ?? Failure(ErrorIds.InventoryDatabaseUnreachable, $"Cannot open a connection to the inventory database ({Origin})", e);
                }

                await Task.Delay(Transient.Backoff[attempt], cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Opens a connection for a reconciliation pass or a watcher's rescan (<see cref="ConnectAsync"/>), on which no
    /// statement timeout of the server, role, database or connection string applies: such work is made of
    /// statements as long as the tree is large (one COPY spans the whole walk), and a timeout would only turn a
    /// pass that completes into one that fails. Session-level, so it covers every statement on the connection;
    /// the pool's reset (DISCARD ALL) restores the configured value before the connection is used again.
    /// </summary>
    internal async Task<NpgsqlConnection> ConnectForPassAsync(CancellationToken cancellationToken)
    {
        NpgsqlConnection connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = new NpgsqlCommand("SET statement_timeout = 0", connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Whether the connection string itself sets the connect timeout (under any of its names).</summary>
    private static bool AsksForTimeout(string connectionString)
    {
        var generic = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        return generic.Keys.Cast<string>().Any(k => k.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant() is "timeout" or "connecttimeout" or "connectiontimeout");
    }

    /// <summary>A message about this database with the password removed, should a driver ever echo it.</summary>
    public string Scrub(string message) => Scrub(message, Secret);

    internal static string Scrub(string message, string? secret)
        => string.IsNullOrEmpty(secret) || secret.Length < 3 ? message : message.Replace(secret, "********", StringComparison.Ordinal);

    /// <summary>Wraps a database failure as a DiskTools error that names the database but never the password.</summary>
    internal DiskToolsException Failure(string errorId, string what, Exception e)
    {
        if (DatabaseErrors.Classify(this, e, connecting: false) is { } known)
        {
            return known;
        }

        ErrorKind kind = e switch
        {
            PostgresException { SqlState: "28P01" or "28000" } => ErrorKind.AuthenticationError,
            PostgresException => ErrorKind.InvalidOperation,
            NpgsqlException or TimeoutException or System.Net.Sockets.SocketException or IOException => ErrorKind.ConnectionError,
            _ => ErrorKind.NotSpecified,
        };
        return new DiskToolsException(errorId, kind, Scrub($"{what} ({Description}): {e.Message}"), Description, e);
    }
}
