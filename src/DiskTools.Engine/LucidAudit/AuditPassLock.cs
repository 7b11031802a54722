using DiskTools.Engine.Output;
using Npgsql;

namespace DiskTools.Engine.LucidAudit;

/// <summary>
/// One ingest of a filespace's audit trail at a time, across processes and hosts: a session-level advisory
/// lock keyed by tenant and volume, held on the pass's own connection, so it vanishes with that connection
/// if the process dies.
/// </summary>
internal static class AuditPassLock
{
    public const string BusyId = "LucidAuditIngestInProgress";

    private const string KeySql = "hashtextextended('disktools-lucid:' || $1 || ':' || $2::text, 0)";

    public static async Task AcquireAsync(NpgsqlConnection connection, string tenant, Guid volumeId, string root, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT pg_try_advisory_lock({KeySql})", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = tenant });
        command.Parameters.Add(new NpgsqlParameter { Value = volumeId });
        if (!(bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
        {
            throw new DiskToolsException(BusyId, ErrorKind.ResourceUnavailable,
                $"Another Watch-LucidAudit is ingesting the audit trail of '{root}' for tenant '{tenant}'.", root);
        }
    }

    public static async Task ReleaseAsync(NpgsqlConnection connection, string tenant, Guid volumeId)
    {
        if (connection.State != System.Data.ConnectionState.Open)
        {
            return;
        }

        try
        {
            await using var command = new NpgsqlCommand($"SELECT pg_advisory_unlock({KeySql})", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = tenant });
            command.Parameters.Add(new NpgsqlParameter { Value = volumeId });
            await command.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (NpgsqlException)
        {
            // The connection broke: the server released the lock with the session.
        }
    }
}
