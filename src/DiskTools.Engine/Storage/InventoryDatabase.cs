using System.Collections.Concurrent;
using System.Net;
using DiskTools.Engine.Output;
using Npgsql;

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
    public const string NoConnectionId = "InventoryConnectionMissing";
    public const string BadConnectionStringId = "InventoryConnectionStringInvalid";

    private static readonly ConcurrentDictionary<string, NpgsqlDataSource> DataSources = new(StringComparer.Ordinal);

    private InventoryDatabase(NpgsqlDataSource dataSource, string description, string? secret)
    {
        DataSource = dataSource;
        Description = description;
        Secret = secret;
    }

    /// <summary>The shared, pooled data source (multiplexing off: temp tables and advisory locks are per session).</summary>
    internal NpgsqlDataSource DataSource { get; }

    /// <summary>"user@host:port/database", safe to show: never contains the password.</summary>
    public string Description { get; }

    private string? Secret { get; }

    /// <summary>Resolves the connection and returns the shared data source for it.</summary>
    /// <exception cref="DiskToolsException">No connection string anywhere, or one that cannot be parsed.</exception>
    public static InventoryDatabase Open(string? connectionString, NetworkCredential? credential)
    {
        string? text = string.IsNullOrWhiteSpace(connectionString)
            ? Environment.GetEnvironmentVariable(EnvironmentVariable)
            : connectionString;
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new DiskToolsException(
                NoConnectionId,
                ErrorKind.InvalidArgument,
                $"No inventory database given: pass -ConnectionString (e.g. 'Host=localhost;Database=inventory;Username=me') or set ${EnvironmentVariable}.");
        }

        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(text);
        }
        catch (ArgumentException e)
        {
            // The parser's message may quote the string, password included: say only what was wrong.
            throw new DiskToolsException(BadConnectionStringId, ErrorKind.InvalidArgument,
                "The inventory connection string cannot be parsed: " + Scrub(e.Message, text), null);
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
        string key = builder.ConnectionString;
        string description = $"{builder.Username ?? Environment.UserName}@{builder.Host}:{builder.Port}/{builder.Database ?? builder.Username}";
        NpgsqlDataSource source = DataSources.GetOrAdd(key, static k => new NpgsqlDataSourceBuilder(k).Build());
        return new InventoryDatabase(source, description, string.IsNullOrEmpty(builder.Password) ? null : builder.Password);
    }

    /// <summary>Opens a pooled connection, retrying transient failures with backoff.</summary>
    internal Task<NpgsqlConnection> ConnectAsync(CancellationToken cancellationToken)
        => Transient.RetryAsync(
            async token => await DataSource.OpenConnectionAsync(token).ConfigureAwait(false),
            cancellationToken);

    /// <summary>A message about this database with the password removed, should a driver ever echo it.</summary>
    public string Scrub(string message) => Scrub(message, Secret);

    internal static string Scrub(string message, string? secret)
        => string.IsNullOrEmpty(secret) || secret.Length < 3 ? message : message.Replace(secret, "********", StringComparison.Ordinal);

    /// <summary>Wraps a database failure as a DiskTools error that names the database but never the password.</summary>
    internal DiskToolsException Failure(string errorId, string what, Exception e)
    {
        ErrorKind kind = e switch
        {
            PostgresException { SqlState: "28P01" or "28000" } => ErrorKind.SecurityError,
            PostgresException => ErrorKind.InvalidOperation,
            NpgsqlException or TimeoutException or System.Net.Sockets.SocketException or IOException => ErrorKind.ConnectionError,
            _ => ErrorKind.NotSpecified,
        };
        return new DiskToolsException(errorId, kind, Scrub($"{what} ({Description}): {e.Message}"), Description, e);
    }
}
