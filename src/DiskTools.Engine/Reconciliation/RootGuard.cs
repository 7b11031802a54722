using DiskTools.Engine.Storage;
using NpgsqlTypes;

namespace DiskTools.Engine.Reconciliation;

/// <summary>
/// What keeps a pass from deleting a root's records because the world looked empty: before the walk the root
/// must be the real directory on the file system it was on last time (a missing root, a symlink, another file
/// system or another directory stops the pass); after the walk a root that came back empty where it had
/// records, or a pass that would remove more than <see cref="ReconciliationOptions.MaxRemovalPercent"/> of its
/// records, stops before anything is written. -Force accepts a changed file system, an empty root and a large
/// removal (never a missing root or a symlink).
/// </summary>
internal static class RootGuard
{
    /// <summary>Removals up to this many never trip the threshold (a small tree losing a few files is ordinary).</summary>
    public const int MinimumRemovalsChecked = 10;

    /// <summary>The error ids a refused pass reports as themselves rather than as ReconciliationFailed.</summary>
    public static bool IsRefusal(string errorId)
        => errorId is ErrorIds.ReconciliationRootMissing or ErrorIds.ReconciliationRootIsSymlink or ErrorIds.ReconciliationRootFilesystemChanged or ErrorIds.ReconciliationRootEmpty or ErrorIds.ReconciliationRemovalThresholdExceeded or ErrorIds.ReconciliationRootNotDirectory;

    /// <summary>Checks the root before the walk; records its identity the first time (or, with force, when it changed).</summary>
    public static async Task CheckIdentityAsync(NpgsqlConnection connection, InventoryRoot inventoryRoot, bool force, IOutputWriter writer, CancellationToken cancellationToken)
    {
        string root = inventoryRoot.RootPath;
        RootIdentity now = NativeStat.ProbeRoot(root);
        switch (now.Kind)
        {
            case RootKind.Missing:
                throw new DiskToolsException(ErrorIds.ReconciliationRootMissing, ErrorKind.ObjectNotFound,
                    $"The root '{root}' does not exist (is its file system mounted?). The pass stopped and nothing in its inventory was changed.", root);
            case RootKind.Symlink:
                string target = TryReadLink(root);
                throw new DiskToolsException(ErrorIds.ReconciliationRootIsSymlink, ErrorKind.InvalidData,
                    $"The root '{root}' is now a symbolic link (to '{target}'), not the directory it was. The pass stopped and nothing in its inventory was changed; if the tree really lives there now, reconcile '{target}' as its own root.", root);
            case RootKind.NotDirectory:
                throw new DiskToolsException(ErrorIds.ReconciliationRootNotDirectory, ErrorKind.InvalidArgument,
                    $"The root '{root}' is no longer a directory. The pass stopped and nothing in its inventory was changed.", root);
        }

        RootIdentity? recorded = await ReadAsync(connection, inventoryRoot.Id, cancellationToken).ConfigureAwait(false);
        if (recorded is { } last && (last.FsType != now.FsType || last.FsId != now.FsId || last.Inode != now.Inode))
        {
            string what = last.FsType != now.FsType || last.FsId != now.FsId ? "is on another file system" : "is another directory";
            if (!force)
            {
                throw new DiskToolsException(ErrorIds.ReconciliationRootFilesystemChanged, ErrorKind.InvalidData,
                    $"The root '{root}' {what} than at its last pass: then {last.Describe()}, now {now.Describe()} (an unmounted or swapped disk?). The pass stopped and nothing in its inventory was changed; run with -Force if the change is intended.", root);
            }

            writer.WriteWarning($"The root '{root}' {what} than at its last pass (then {last.Describe()}, now {now.Describe()}); reconciling it anyway because of -Force.");
        }

        if (recorded != now)
        {
            await using var command = new NpgsqlCommand(ReconciliationSql.WriteRootIdentity, connection);
            command.AddValues(inventoryRoot.Id, now.FsType);
            command.AddValue(now.FsId, NpgsqlDbType.Text);
            command.AddValues(unchecked((long)now.Inode));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Checks what the walk found against what the root held, before anything is written.</summary>
    /// <param name="staged">Files the walk found.</param>
    /// <param name="removals">Records the pass would remove (or mark absent).</param>
    /// <param name="present">Counts the root's present records (called only when the share matters).</param>
    public static async Task CheckRemovalsAsync(string root, long staged, long removals, Func<Task<long>> present, ReconciliationOptions options, IOutputWriter writer)
    {
        if (removals == 0)
        {
            return;
        }

        if (staged == 0)
        {
            if (!options.Force)
            {
                throw new DiskToolsException(ErrorIds.ReconciliationRootEmpty, ErrorKind.InvalidData,
                    $"The root '{root}' is empty, but its inventory holds {removals:N0} records (an unmounted disk, or a directory swapped for an empty one?). The pass stopped and nothing was removed; run with -Force if the tree really was emptied.", root);
            }

            writer.WriteWarning($"The root '{root}' is empty; removing its {removals:N0} records because of -Force.");
            return;
        }

        if (removals <= MinimumRemovalsChecked)
        {
            return;
        }

        long total = await present().ConfigureAwait(false);
        double percent = total == 0 ? 0 : removals * 100.0 / total;
        if (percent > options.MaxRemovalPercent)
        {
            if (!options.Force)
            {
                throw new DiskToolsException(ErrorIds.ReconciliationRemovalThresholdExceeded, ErrorKind.LimitsExceeded,
                    $"The pass over '{root}' would remove {removals:N0} of its {total:N0} records ({percent:F0} %, more than the {options.MaxRemovalPercent:G} % -MaxRemovalPercent allows). It stopped before removing any; check that the tree is complete, then run with -Force (or a higher -MaxRemovalPercent).", root);
            }

            writer.WriteWarning($"Removing {removals:N0} of the {total:N0} records of '{root}' ({percent:F0} %) because of -Force.");
        }
    }

    private static async Task<RootIdentity?> ReadAsync(NpgsqlConnection connection, Guid rootId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(ReconciliationSql.ReadRootIdentity, connection);
        command.AddValues(rootId);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false) || reader.IsDBNull(0))
        {
            return null;
        }

        return new RootIdentity(RootKind.Directory, unchecked((ulong)reader.GetInt64(2)), reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1));
    }

    private static string TryReadLink(string path)
    {
        try
        {
            return new DirectoryInfo(path).LinkTarget ?? "?";
        }
        catch (IOException)
        {
            return "?";
        }
    }
}
