using DiskTools.Engine.Storage;

namespace DiskTools.Engine.LucidAudit;

/// <summary>One ingest of a root's audit trail per tenant at a time (see <see cref="AdvisoryLock"/>).</summary>
internal static class AuditPassLock
{
    public static async Task AcquireAsync(NpgsqlConnection connection, string tenant, Guid rootId, string root, CancellationToken cancellationToken)
    {
        if (!await AdvisoryLock.TryAcquireAsync(connection, Key(tenant, rootId), cancellationToken).ConfigureAwait(false))
        {
            throw new DiskToolsException(ErrorIds.LucidAuditIngestInProgress, ErrorKind.ResourceUnavailable,
                $"Another Watch-LucidAudit is ingesting the audit trail of '{root}' for tenant '{tenant}'.", root);
        }
    }

    public static Task ReleaseAsync(NpgsqlConnection connection, string tenant, Guid rootId)
        => AdvisoryLock.ReleaseAsync(connection, Key(tenant, rootId));

    // The key earlier releases built in SQL ('disktools-lucid:' || tenant || ':' || id::text): the same text, so
    // an ingest of this build and one of an older build still exclude each other.
    private static string Key(string tenant, Guid rootId) => $"disktools-lucid:{tenant}:{rootId:D}";
}
