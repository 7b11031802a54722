using DiskTools.Engine.Sync.Config;
using DiskTools.Engine.Sync.History;
using DiskTools.Engine.Sync.Jobs;
using DiskTools.Engine.Sync.Logging;
using DiskTools.Engine.Sync.Safety;
using DiskTools.Engine.Sync.Session;
using Xunit;

namespace DiskTools.Engine.Tests.Sync;

public sealed class SyncPiecesTests
{
    [Fact]
    public void The_default_config_is_valid_and_gives_the_documented_defaults()
    {
        SyncConfig config = SyncConfigLoader.Parse(DefaultSyncConfig.Text, "default", SyncJobCatalog.Schemas);
        Assert.Equal(["folder_sync", "dummy_success", "dummy_fail"], config.Jobs.Select(j => j.Name));
        Assert.Empty(config.EnabledJobs);
        Assert.Equal(DiskConfig.Default.PreflightMinimum, config.Disk.PreflightMinimum);
        Assert.Equal(SnapshotConfig.Default.Subvolumes, config.Snapshots.Subvolumes);
        Assert.Null(config.Snapshots.FileSystem.Source);
        FolderSyncJob.Folder folder = Assert.Single(FolderSyncJob.FoldersOf(config.SectionOf("folder_sync")));
        Assert.Equal(new FolderSyncJob.Folder("/home", "/home", null, false), folder);
    }

    [Fact]
    public void Folder_entries_need_a_path_or_both_ends()
    {
        const string yaml = """
            sync_jobs: { folder_sync: true }
            folder_sync:
              delete: true
              folders:
                - { path: /a, source: /b }
                - { source: /b }
                - { source: "/x y", target: /z, delete: false }
            """;
        IReadOnlyList<ConfigError> errors = SyncConfigLoader.Validate(yaml, SyncJobCatalog.Schemas);
        Assert.Equal(["folder_sync.folders[0]", "folder_sync.folders[1]"], errors.Select(e => e.Path));
        Assert.Equal([5, 6], errors.Select(e => e.Line));
        Assert.All(errors, e => Assert.Equal("folder_sync", e.Job));
    }

    [Fact]
    public void Df_output_is_read()
    {
        FreeSpace usage = DiskSpaceMonitor.Parse("/", "     1B-blocks        Avail\n 268435456 104857600\n");
        Assert.Equal(268_435_456, usage.TotalBytes);
        Assert.Equal(104_857_600, usage.FreeBytes);
        Assert.InRange(usage.FreePercent, 39, 40);
        Assert.Throws<DiskTools.Engine.Output.DiskToolsException>(() => DiskSpaceMonitor.Parse("/", "df: /x: No such file"));
    }

    [Fact]
    public void Sessions_are_rebuilt_from_their_records()
    {
        string dir = Directory.CreateTempSubdirectory("disktools-history-").FullName;
        try
        {
            var start = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
            string path = Path.Combine(dir, SessionLogLocation.FileName(start, "0000beef"));
            var log = new JsonLinesLogFile(path, LogLevel.Critical, h => h == SyncHost.Source ? "src" : "dst");
            void Rec(SyncHost host, params (string, object?)[] f) => log.OnEvent(new LogEvent(DateTimeOffset.UtcNow, LogLevel.Info, "orchestrator", host, "r", f.ToDictionary(x => x.Item1, x => x.Item2), IsRecord: true));
            Rec(SyncHost.Source, ("record", "session_started"), ("computer_name", "nas"), ("config_file", "/c.yaml"));
            Rec(SyncHost.Source, ("record", "session_hosts"), ("source_hostname", "src"), ("target_hostname", "dst"));
            Rec(SyncHost.Target, ("record", "snapshot"), ("role", "Target"), ("subvolume", "@"), ("phase", "presync"), ("name", "@-presync-x"), ("path", "/s/@-presync-x"));
            Rec(SyncHost.Source, ("record", "job_result"), ("job_name", "folder_sync"), ("status", "Failed"), ("started_at", start), ("ended_at", start.AddSeconds(3)), ("error_message", "boom"));
            Rec(SyncHost.Source, ("record", "session_finished"), ("status", "Failed"), ("ended_at", start.AddSeconds(4)), ("error_message", "boom"));
            log.Complete();
            File.AppendAllText(path, "{\"torn");
            File.WriteAllText(Path.Combine(dir, SessionLogLocation.FileName(start.AddMinutes(1), "0000cafe")), string.Empty);

            SyncSession[] all = [.. SessionHistory.Read(dir, lockDirectory: dir)];
            Assert.Equal(["0000cafe", "0000beef"], all.Select(s => s.SessionId));
            Assert.Equal(SyncSessionState.Failed, all[0].Status);
            Assert.Contains("without finishing", all[0].ErrorMessage, StringComparison.Ordinal);

            SyncSession one = Assert.Single(SessionHistory.Read(dir, sessionId: "0000BEEF", lockDirectory: dir));
            Assert.Equal(("src", "dst", "nas"), (one.SourceHostname, one.TargetHostname, one.ComputerName));
            Assert.Equal(SyncSessionState.Failed, one.Status);
            Assert.Equal(start.AddSeconds(4), one.EndedAt);
            SyncJobResult job = Assert.Single(one.JobResults);
            Assert.Equal((SyncJobStatus.Failed, TimeSpan.FromSeconds(3), "boom"), (job.Status, job.Duration, job.ErrorMessage));
            SyncSnapshot snap = Assert.Single(one.Snapshots);
            Assert.Equal(("dst", SyncHost.Target, "/s/@-presync-x"), (snap.Hostname, snap.Role, snap.Path));
            Assert.Single(SessionHistory.Read(dir, last: 1, lockDirectory: dir));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
