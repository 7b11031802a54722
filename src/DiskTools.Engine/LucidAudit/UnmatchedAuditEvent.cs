using DiskTools.Engine.Reconciliation;
using DiskTools.Engine.Storage;

namespace DiskTools.Engine.LucidAudit;

/// <summary>An audit event that named a path the inventory did not hold, as queued in lucid_audit_unmatched.</summary>
public sealed record UnmatchedAuditEvent
{
    public string Tenant { get; init; } = string.Empty;

    /// <summary>The root the event's path is under.</summary>
    public string Root { get; init; } = string.Empty;

    public string NodeId { get; init; } = string.Empty;

    /// <summary>The log that held the event, below the root.</summary>
    public string AuditFile { get; init; } = string.Empty;

    public long LineNumber { get; init; }

    public DateTimeOffset EventTime { get; init; }

    public string Action { get; init; } = string.Empty;

    /// <summary>The path the event named, relative to the root.</summary>
    public string EntryPath { get; init; } = string.Empty;

    /// <summary>A move's destination, relative to the root.</summary>
    public string? TargetPath { get; init; }

    public string? UserName { get; init; }

    public DateTimeOffset QueuedTime { get; init; }
}

/// <summary>Reads the unmatched-event queue (Get-UnmatchedAuditEvent).</summary>
public static class UnmatchedAuditEvents
{
    /// <summary>The newest <paramref name="last"/> queued events of a root (or of each root, when null), newest first.</summary>
    public static async Task<IReadOnlyList<UnmatchedAuditEvent>> ListAsync(InventoryDatabase database, string? root, int last, CancellationToken cancellationToken)
    {
        IReadOnlyList<InventoryRoot> roots = await InventoryQueries.SelectRootsAsync(database, root, cancellationToken).ConfigureAwait(false);
        await using NpgsqlConnection connection = await database.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<UnmatchedAuditEvent>();
        foreach (InventoryRoot inventoryRoot in roots.OrderBy(r => r.RootPath, StringComparer.Ordinal))
        {
            await using var command = new NpgsqlCommand(InventoryQuerySql.ListUnmatched, connection);
            command.AddValues(inventoryRoot.Id, last);
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                list.Add(new UnmatchedAuditEvent
                {
                    Tenant = reader.GetString(0),
                    Root = inventoryRoot.RootPath,
                    NodeId = reader.GetString(1),
                    AuditFile = reader.GetString(2),
                    LineNumber = reader.GetInt64(3),
                    EventTime = reader.GetFieldValue<DateTimeOffset>(4),
                    Action = reader.GetString(5),
                    EntryPath = reader.GetString(6),
                    TargetPath = reader.IsDBNull(7) ? null : reader.GetString(7),
                    UserName = reader.IsDBNull(8) ? null : reader.GetString(8),
                    QueuedTime = reader.GetFieldValue<DateTimeOffset>(9),
                });
            }
        }

        return list;
    }
}
