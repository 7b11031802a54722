using DiskTools.Engine.Sync.Config;

namespace DiskTools.Engine.Sync.Jobs;

/// <summary>The sync jobs a config may name in sync_jobs (system jobs are not listed: they always run).</summary>
public static class SyncJobCatalog
{
    public static IReadOnlyList<SyncJobDefinition> All { get; } =
    [
        FolderSyncJob.Definition,
        DummyJob.SuccessDefinition,
        DummyJob.FailDefinition,
    ];

    public static IReadOnlyDictionary<string, MapSchema> Schemas { get; } = All.ToDictionary(d => d.Name, d => d.Schema, StringComparer.Ordinal);

    public static SyncJobDefinition? Find(string name) => All.FirstOrDefault(d => d.Name == name);
}
