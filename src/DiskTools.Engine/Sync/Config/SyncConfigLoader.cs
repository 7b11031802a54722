using DiskTools.Engine.Sync.Logging;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DiskTools.Engine.Sync.Config;

/// <summary>
/// Loads sync.yaml and validates it before anything runs: phase 1 checks the file against the global
/// schema, phase 2 checks each job's section against that job's own schema. Both phases always run and
/// every error of both is reported at once, each with its YAML path and line.
/// </summary>
public static class SyncConfigLoader
{
    public const string DefaultFileName = "sync.yaml";

    /// <summary>$XDG_CONFIG_HOME/disktools/sync.yaml, default ~/.config/disktools/sync.yaml.</summary>
    public static string DefaultPath
    {
        get
        {
            string? configHome = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
            if (string.IsNullOrWhiteSpace(configHome) || !Path.IsPathRooted(configHome))
            {
                configHome = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
            }

            return Path.Combine(configHome, "disktools", DefaultFileName);
        }
    }

    /// <summary>Reads and validates a file; throws <see cref="SyncConfigException"/> with every error found.</summary>
    public static SyncConfig Load(string path, IReadOnlyDictionary<string, MapSchema> jobSchemas)
    {
        if (!File.Exists(path))
        {
            throw new Output.DiskToolsException(
                ErrorIds.SyncConfigNotFound, Output.ErrorKind.ObjectNotFound,
                $"The sync config '{path}' does not exist. Create one with New-SyncConfig, or name another with -ConfigPath.", path);
        }

        return Parse(ReadText(path), path, jobSchemas);
    }

    /// <summary>The most a sync config may be; a real one is a few kilobytes.</summary>
    public const int MaxBytes = 1 << 20;

    /// <summary>
    /// Reads a config file that is a regular file of at most <see cref="MaxBytes"/>: a FIFO, a device or a
    /// socket is refused at once, without being opened in a way that could block (O_NONBLOCK) or read
    /// endlessly (/dev/zero), and no more than the limit is ever read.
    /// </summary>
    public static string ReadText(string path)
    {
        int fd = Safety.PosixFiles.Open(path, Safety.PosixFiles.ReadOnly | Safety.PosixFiles.NonBlocking | Safety.PosixFiles.CloseOnExec, 0, out int errno);
        if (fd < 0)
        {
            throw new Output.DiskToolsException(ErrorIds.SyncConfigUnreadable, errno == 13 ? Output.ErrorKind.PermissionDenied : Output.ErrorKind.ReadError,
                $"Cannot open the sync config '{path}' (errno {errno}).", path);
        }

        try
        {
            Safety.PosixStat file = Safety.PosixFiles.StatDescriptor(fd);
            if (!file.IsRegular)
            {
                throw new Output.DiskToolsException(ErrorIds.SyncConfigNotAFile, Output.ErrorKind.InvalidArgument,
                    $"The sync config '{path}' is {file.TypeName}, not a regular file; name the YAML file itself.", path);
            }

            byte[] content = Safety.PosixFiles.ReadPrefix(fd, MaxBytes + 1);
            if (file.Size > MaxBytes || content.Length > MaxBytes)
            {
                throw new Output.DiskToolsException(ErrorIds.SyncConfigTooLarge, Output.ErrorKind.LimitsExceeded,
                    $"The sync config '{path}' is larger than {MaxBytes / 1024} KiB ({Math.Max(file.Size, content.Length):N0} bytes); that is not a sync config.", path);
            }

            int bom = content.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
            return new System.Text.UTF8Encoding(false).GetString(content, bom, content.Length - bom);
        }
        finally
        {
            Safety.PosixFiles.Close(fd);
        }
    }

    public static SyncConfig Parse(string yaml, string sourceFile, IReadOnlyDictionary<string, MapSchema> jobSchemas)
    {
        IReadOnlyList<ConfigError> errors = Validate(yaml, jobSchemas, out YamlMappingNode? root);
        if (errors.Count > 0)
        {
            throw new SyncConfigException(sourceFile, errors);
        }

        return Bind(new ConfigSection(root, string.Empty), sourceFile, jobSchemas);
    }

    /// <summary>Both validation phases; returns every error (empty when the file is good).</summary>
    public static IReadOnlyList<ConfigError> Validate(string yaml, IReadOnlyDictionary<string, MapSchema> jobSchemas)
        => Validate(yaml, jobSchemas, out _);

    private static IReadOnlyList<ConfigError> Validate(string yaml, IReadOnlyDictionary<string, MapSchema> jobSchemas, out YamlMappingNode? root)
    {
        root = null;
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            // A syntax error stops the parser; it is the only error that can be reported.
            return [new ConfigError(string.Empty, (int)e.Start.Line, (int)e.Start.Column, "YAML syntax error: " + (e.InnerException?.Message ?? e.Message))];
        }
        catch (InvalidOperationException e)
        {
            // Some malformed input trips the scanner without a YamlException; locate it by replaying the parse.
            Mark where = LastGoodMark(yaml);
            return [new ConfigError(string.Empty, (int)where.Line, (int)where.Column, "YAML syntax error near here: " + e.Message)];
        }

        if (stream.Documents.Count == 0 || YamlScalars.IsNull(stream.Documents[0].RootNode))
        {
            root = new YamlMappingNode();
            return [];
        }

        if (stream.Documents.Count > 1)
        {
            YamlNode second = stream.Documents[1].RootNode;
            return [new ConfigError(string.Empty, (int)second.Start.Line, (int)second.Start.Column, "the file holds more than one YAML document; keep one")];
        }

        YamlNode top = stream.Documents[0].RootNode;
        var phase1 = new SchemaContext(job: null);
        GlobalSchema(jobSchemas).Validate(top, string.Empty, phase1);
        if (top is not YamlMappingNode map)
        {
            return phase1.Errors;
        }

        root = map;
        var errors = new List<ConfigError>(phase1.Errors);
        var section = new ConfigSection(map, string.Empty);
        IReadOnlyList<JobSelection> selections = ReadJobs(section, jobSchemas);
        foreach ((string job, MapSchema schema) in jobSchemas)
        {
            var phase2 = new SchemaContext(job);
            YamlNode? jobNode = section.Find(job);
            if (jobNode is not null && !YamlScalars.IsNull(jobNode))
            {
                schema.Validate(jobNode, job, phase2);
            }
            else if (selections.FirstOrDefault(s => s.Name == job) is { Enabled: true })
            {
                // An enabled job without a section: its required keys are missing; point at where it was enabled.
                YamlNode anchor = (section.Find("sync_jobs") as YamlMappingNode)?.Children
                    .First(p => (p.Key as YamlScalarNode)?.Value == job).Key ?? map;
                var empty = new YamlMappingNode();
                var scratch = new SchemaContext(job);
                schema.Validate(empty, job, scratch);
                foreach (ConfigError e in scratch.Errors)
                {
                    phase2.Errors.Add(e with { Line = (int)anchor.Start.Line, Column = (int)anchor.Start.Column, Message = e.Message + $" (job '{job}' is enabled but has no '{job}' section)" });
                }
            }

            errors.AddRange(phase2.Errors);
        }

        errors.Sort((a, b) => a.Line != b.Line ? a.Line.CompareTo(b.Line) : a.Column.CompareTo(b.Column));
        return errors;
    }

    private static Mark LastGoodMark(string yaml)
    {
        var parser = new Parser(new StringReader(yaml));
        Mark last = Mark.Empty;
        try
        {
            while (parser.MoveNext())
            {
                last = parser.Current?.End ?? last;
            }
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException)
        {
        }

        return last;
    }

    private static MapSchema GlobalSchema(IReadOnlyDictionary<string, MapSchema> jobSchemas)
    {
        string[] levels = [.. LogLevels.Names];
        ConfigSchema subvolume = ConfigSchema.String(
            name => !name.StartsWith('@') ? $"subvolume '{name}' must start with '@' (a flat name as 'btrfs subvolume list' shows it)"
                : name.Contains('/') ? $"subvolume '{name}' must be a flat name, not a path"
                : null,
            "a subvolume name starting with '@'");
        var fields = new List<FieldSpec>
        {
            ConfigSchema.Field("log_file_level", ConfigSchema.Enum(levels)),
            ConfigSchema.Field("log_cli_level", ConfigSchema.Enum(levels)),
            ConfigSchema.Field("sync_jobs", ConfigSchema.Dictionary(
                name => jobSchemas.ContainsKey(name) ? null : MapSchema.UnknownKey(name, jobSchemas.Keys).Replace("unknown key", "unknown job", StringComparison.Ordinal),
                ConfigSchema.Bool())),
            ConfigSchema.Field("disk", ConfigSchema.Map(
                ConfigSchema.Field("preflight_minimum", ConfigSchema.DiskSpace()),
                ConfigSchema.Field("runtime_minimum", ConfigSchema.DiskSpace()),
                ConfigSchema.Field("check_interval", ConfigSchema.Int(1, 86_400)),
                ConfigSchema.Field("path", ConfigSchema.PerHost(ConfigSchema.AbsolutePath())))),
            ConfigSchema.Field("btrfs_snapshots", ConfigSchema.Map(
                ConfigSchema.Field("subvolumes", ConfigSchema.List(subvolume, minItems: 1)),
                ConfigSchema.Field("filesystem", ConfigSchema.Nullable(ConfigSchema.PerHost(ConfigSchema.AbsolutePath()))),
                ConfigSchema.Field("snapshot_directory", ConfigSchema.PerHost(ConfigSchema.AbsolutePath())),
                ConfigSchema.Field("keep_recent", ConfigSchema.Int(1, 10_000)),
                ConfigSchema.Field("max_age_days", ConfigSchema.Nullable(ConfigSchema.Int(1, 100_000))))),
        };

        // Each job's section is a top-level key; phase 2 validates its content.
        fields.AddRange(jobSchemas.Keys.Select(job => ConfigSchema.Field(job, new AnySchema())));
        return new MapSchema(fields);
    }

    private static IReadOnlyList<JobSelection> ReadJobs(ConfigSection root, IReadOnlyDictionary<string, MapSchema> jobSchemas)
    {
        if (root.Find("sync_jobs") is not YamlMappingNode jobs)
        {
            return [];
        }

        var selections = new List<JobSelection>();
        foreach ((YamlNode key, YamlNode value) in jobs.Children)
        {
            string name = (key as YamlScalarNode)?.Value ?? string.Empty;
            if (jobSchemas.ContainsKey(name) && selections.All(s => s.Name != name))
            {
                selections.Add(new JobSelection(name, YamlScalars.TryBool(value, out bool on) && on, (int)key.Start.Line));
            }
        }

        return selections;
    }

    private static SyncConfig Bind(ConfigSection root, string sourceFile, IReadOnlyDictionary<string, MapSchema> jobSchemas)
    {
        LogLevels.TryParse(root.GetString("log_file_level", "FULL"), out LogLevel fileLevel);
        LogLevels.TryParse(root.GetString("log_cli_level", "INFO"), out LogLevel cliLevel);

        ConfigSection disk = root.GetSection("disk");
        DiskConfig diskDefaults = DiskConfig.Default;
        PerHost<string?> diskPath = disk.GetPerHost("path", "/");
        var diskConfig = new DiskConfig(
            disk.GetDiskSpace("preflight_minimum", diskDefaults.PreflightMinimum),
            disk.GetDiskSpace("runtime_minimum", diskDefaults.RuntimeMinimum),
            TimeSpan.FromSeconds(disk.GetInt("check_interval", (long)diskDefaults.CheckInterval.TotalSeconds)),
            new PerHost<string>(diskPath.Source ?? "/", diskPath.Target ?? "/"));

        ConfigSection snapshots = root.GetSection("btrfs_snapshots");
        SnapshotConfig snapshotDefaults = SnapshotConfig.Default;
        PerHost<string?> directory = snapshots.GetPerHost("snapshot_directory", "/.snapshots");
        var snapshotConfig = new SnapshotConfig(
            snapshots.GetStringList("subvolumes", snapshotDefaults.Subvolumes),
            snapshots.GetPerHost("filesystem", null),
            new PerHost<string>(directory.Source ?? "/.snapshots", directory.Target ?? "/.snapshots"),
            (int)snapshots.GetInt("keep_recent", snapshotDefaults.KeepRecent),
            snapshots.GetNullableInt("max_age_days") is long days ? (int)days : null);

        var sections = jobSchemas.Keys.ToDictionary(job => job, job => root.GetSection(job), StringComparer.Ordinal);
        return new SyncConfig(sourceFile, fileLevel, cliLevel, ReadJobs(root, jobSchemas), diskConfig, snapshotConfig, sections);
    }

    /// <summary>Accepts anything: used for job sections, which phase 2 checks against the job's schema.</summary>
    private sealed class AnySchema : ConfigSchema
    {
        public override string Expected => "a mapping";

        internal override void Validate(YamlNode node, string path, SchemaContext context)
        {
        }
    }
}
