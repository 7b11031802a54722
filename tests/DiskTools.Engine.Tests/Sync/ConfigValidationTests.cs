using DiskTools.Engine.Sync.Config;
using DiskTools.Engine.Sync.Logging;
using Xunit;

namespace DiskTools.Engine.Tests.Sync;

public sealed class ConfigValidationTests
{
    private static readonly Dictionary<string, MapSchema> Jobs = new()
    {
        ["copy"] = ConfigSchema.Map(
            ConfigSchema.Field("folders", ConfigSchema.List(ConfigSchema.Map(
                ConfigSchema.Field("path", ConfigSchema.AbsolutePath(), required: true),
                ConfigSchema.Field("delete", ConfigSchema.Bool())), minItems: 1), required: true)),
        ["noop"] = ConfigSchema.Map(ConfigSchema.Field("seconds", ConfigSchema.Number(0))),
    };

    [Fact]
    public void Empty_file_gives_the_documented_defaults()
    {
        SyncConfig config = SyncConfigLoader.Parse(string.Empty, "mem", Jobs);
        Assert.Equal(LogLevel.Full, config.LogFileLevel);
        Assert.Equal(LogLevel.Info, config.LogCliLevel);
        Assert.Equal("20%", config.Disk.PreflightMinimum.Text);
        Assert.Equal("15%", config.Disk.RuntimeMinimum.Text);
        Assert.Equal(TimeSpan.FromSeconds(30), config.Disk.CheckInterval);
        Assert.Equal(["@", "@home"], config.Snapshots.Subvolumes);
        Assert.Equal(3, config.Snapshots.KeepRecent);
        Assert.Null(config.Snapshots.MaxAgeDays);
        Assert.Empty(config.Jobs);
    }

    [Fact]
    public void Every_error_of_both_phases_is_reported_with_path_and_line()
    {
        const string yaml = """
            log_file_level: LOUD
            log_cli_level: info
            sync_jobs:
              copy: true
              teleport: true
              noop: yes please
            disk:
              preflight_minimum: 20 percent
              check_interval: "30"
              colour: blue
            btrfs_snapshots:
              subvolumes: [home, "@var/log"]
              keep_recent: 0
            copy:
              folders:
                - path: relative/dir
                  delete: maybe
                - delete: true
            noop:
              seconds: -1
              extra: 1
            """;
        IReadOnlyList<ConfigError> errors = SyncConfigLoader.Validate(yaml, Jobs);

        void Has(string path, int line, string fragment, string? job = null)
            => Assert.Contains(errors, e => e.Path == path && e.Line == line && e.Message.Contains(fragment, StringComparison.Ordinal) && e.Job == job);

        Has("log_file_level", 1, "one of DEBUG, FULL");
        Has("sync_jobs.teleport", 5, "unknown job 'teleport'");
        Has("sync_jobs.noop", 6, "expected true or false");
        Has("disk.preflight_minimum", 8, "not a disk-space value");
        Has("disk.check_interval", 9, "expected an integer");
        Has("disk.colour", 10, "unknown key 'colour'");
        Has("btrfs_snapshots.subvolumes[0]", 12, "must start with '@'");
        Has("btrfs_snapshots.subvolumes[1]", 12, "flat name");
        Has("btrfs_snapshots.keep_recent", 13, "out of range");
        Has("copy.folders[0].path", 16, "not an absolute path", "copy");
        Has("copy.folders[0].delete", 17, "expected true or false", "copy");
        Has("copy.folders[1].path", 18, "required key 'path' is missing", "copy");
        Has("noop.seconds", 20, "out of range", "noop");
        Has("noop.extra", 21, "unknown key 'extra'", "noop");
        Assert.Equal(14, errors.Count);
        Assert.Equal(errors.OrderBy(e => e.Line).ThenBy(e => e.Column), errors);
    }

    [Fact]
    public void Parse_throws_one_exception_carrying_all_errors()
    {
        var e = Assert.Throws<SyncConfigException>(() => SyncConfigLoader.Parse("log_cli_level: 3\nbogus: 1\n", "/etc/x.yaml", Jobs));
        Assert.Equal(2, e.Errors.Count);
        Assert.Equal("SyncConfigInvalid", e.ErrorId);
        Assert.Contains("line 2, column 1: bogus: unknown key 'bogus'", e.Message, StringComparison.Ordinal);
        Assert.Equal("/etc/x.yaml", e.Target);
    }

    [Fact]
    public void A_typo_gets_a_suggestion()
    {
        ConfigError error = Assert.Single(SyncConfigLoader.Validate("btrfs_snapshots:\n  keep_recnt: 2\n", Jobs));
        Assert.Contains("did you mean 'keep_recent'", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, error.Line);
        Assert.Equal(3, error.Column);
    }

    [Fact]
    public void An_enabled_job_without_its_section_is_reported_where_it_is_enabled()
    {
        ConfigError error = Assert.Single(SyncConfigLoader.Validate("sync_jobs:\n  noop: false\n  copy: true\n", Jobs));
        Assert.Equal("copy.folders", error.Path);
        Assert.Equal(3, error.Line);
        Assert.Equal("copy", error.Job);
    }

    [Fact]
    public void Syntax_errors_carry_their_line()
    {
        ConfigError error = Assert.Single(SyncConfigLoader.Validate("disk:\n  path: [unclosed\nlog_cli_level: INFO\n", Jobs));
        Assert.StartsWith("YAML syntax error", error.Message, StringComparison.Ordinal);
        Assert.InRange(error.Line, 2, 4);
    }

    [Fact]
    public void A_valid_file_binds_every_setting_in_order()
    {
        const string yaml = """
            log_file_level: debug
            log_cli_level: WARNING
            sync_jobs:
              noop: false
              copy: true
            disk:
              preflight_minimum: 50 GiB
              runtime_minimum: 500MB
              check_interval: 5
              path: { source: /, target: /data }
            btrfs_snapshots:
              subvolumes: ["@", "@srv"]
              filesystem: /mnt/pool
              snapshot_directory: { source: /.snapshots, target: /mnt/pool/.snap }
              keep_recent: 5
              max_age_days: 30
            copy:
              folders:
                - path: /home/a b
            """;
        SyncConfig config = SyncConfigLoader.Parse(yaml, "mem", Jobs);
        Assert.Equal(LogLevel.Debug, config.LogFileLevel);
        Assert.Equal(LogLevel.Warning, config.LogCliLevel);
        Assert.Equal(["noop", "copy"], config.Jobs.Select(j => j.Name));
        Assert.Equal(["copy"], config.EnabledJobs);
        Assert.Equal(50L << 30, config.Disk.PreflightMinimum.Bytes);
        Assert.Equal(500_000_000, config.Disk.RuntimeMinimum.Bytes);
        Assert.Equal(TimeSpan.FromSeconds(5), config.Disk.CheckInterval);
        Assert.Equal(new PerHost<string>("/", "/data"), config.Disk.Path);
        Assert.Equal(["@", "@srv"], config.Snapshots.Subvolumes);
        Assert.Equal(PerHost<string?>.Both("/mnt/pool"), config.Snapshots.FileSystem);
        Assert.Equal("/mnt/pool/.snap", config.Snapshots.SnapshotDirectory.Target);
        Assert.Equal(5, config.Snapshots.KeepRecent);
        Assert.Equal(30, config.Snapshots.MaxAgeDays);
        ConfigSection folder = Assert.Single(config.SectionOf("copy").GetSections("folders"));
        Assert.Equal("/home/a b", folder.GetString("path"));
        Assert.Equal("copy.folders[0]", folder.Path);
    }

    [Fact]
    public void Quoted_numbers_are_strings_not_integers()
    {
        ConfigError error = Assert.Single(SyncConfigLoader.Validate("btrfs_snapshots:\n  keep_recent: \"3\"\n", Jobs));
        Assert.Contains("the string '3'", error.Message, StringComparison.Ordinal);
    }
}
