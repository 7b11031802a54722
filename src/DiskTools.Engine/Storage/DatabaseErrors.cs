namespace DiskTools.Engine.Storage;

/// <summary>
/// What went wrong with the inventory database, as DiskTools errors every inventory command shares: a
/// server that cannot be reached, a database that does not exist, credentials it refuses, or a connection
/// lost mid-operation (the server crashed or was shut down). Each has a stable id and category, targets
/// "user@host:port/db" (never the password) and names where the connection came from.
/// </summary>
public static class DatabaseErrors
{
    /// <summary>True for the errors this class makes.</summary>
    public static bool IsDatabaseError(DiskToolsException e)
        => e.ErrorId is ErrorIds.InventoryDatabaseUnreachable or ErrorIds.InventoryDatabaseNotFound or ErrorIds.InventoryAuthenticationFailed or ErrorIds.InventoryConnectionLost;

    /// <summary>
    /// The DiskTools error for <paramref name="e"/> (or any exception inside it) when it is database trouble,
    /// else null. <paramref name="connecting"/>: the failure happened while opening a connection (no
    /// connection yet: unreachable), rather than on an open one (lost).
    /// </summary>
    public static DiskToolsException? Classify(InventoryDatabase database, Exception e, bool connecting)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current is DiskToolsException known && IsDatabaseError(known))
            {
                return known;
            }

            if (Describe(current, connecting) is { } found)
            {
                string where = $"the inventory database {database.Description} ({database.Origin})";
                string reason = database.Scrub(current.Message.TrimEnd('.'));
                string message = found.Id switch
                {
                    ErrorIds.InventoryDatabaseNotFound => $"The database of {where} does not exist: {reason}. Create it (createdb) or point {database.OriginName} at an existing one.",
                    ErrorIds.InventoryAuthenticationFailed => $"{Capitalise(where)} refused the credentials: {reason}. Check the user name in {database.OriginName} and the password (-Credential, PGPASSFILE or ~/.pgpass).",
                    ErrorIds.InventoryConnectionLost => $"The connection to {where} was lost: {reason}. The server may have stopped or crashed; nothing half-written was kept, and a rerun continues.",
                    _ => $"Cannot reach {where}: {reason}. Check that the server is running and that {database.OriginName} names it; add 'Timeout=<seconds>' to the connection string to wait longer.",
                };
                return new DiskToolsException(found.Id, found.Kind, message, database.Description, e);
            }
        }

        return null;
    }

    private static (string Id, ErrorKind Kind)? Describe(Exception e, bool connecting)
    {
        (string, ErrorKind) broken = connecting ? (ErrorIds.InventoryDatabaseUnreachable, ErrorKind.ConnectionError) : (ErrorIds.InventoryConnectionLost, ErrorKind.ConnectionError);
        return e switch
        {
            PostgresException { SqlState: "3D000" } => (ErrorIds.InventoryDatabaseNotFound, ErrorKind.ObjectNotFound),
            PostgresException { SqlState: "28P01" or "28000" } => (ErrorIds.InventoryAuthenticationFailed, ErrorKind.AuthenticationError),
            // Shutting down, crashed, starting up or recovering, out of connection slots; the connection itself broke.
            PostgresException { SqlState: "57P01" or "57P02" or "57P03" or "53300" or "08000" or "08003" or "08006" or "08001" or "08004" } => broken,
            PostgresException => null,
            // Npgsql's own check, before the server is even asked: no password where the server wants one.
            NpgsqlException when e.Message.Contains("password", StringComparison.OrdinalIgnoreCase) && e.InnerException is null => (ErrorIds.InventoryAuthenticationFailed, ErrorKind.AuthenticationError),
            NpgsqlException { InnerException: SocketException or IOException or TimeoutException or EndOfStreamException } => broken,
            NpgsqlException when connecting || e.Message.Contains("Exception while", StringComparison.Ordinal) => broken,
            SocketException or EndOfStreamException => broken,
            TimeoutException when connecting => broken,
            _ => null,
        };
    }

    private static string Capitalise(string text) => char.ToUpperInvariant(text[0]) + text[1..];
}
