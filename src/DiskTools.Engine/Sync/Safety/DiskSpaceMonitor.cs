using DiskTools.Engine.Remoting;
using DiskTools.Engine.Sync.Config;
using DiskTools.Engine.Sync.Jobs;
using DiskTools.Engine.Sync.Logging;

namespace DiskTools.Engine.Sync.Safety;

/// <summary>Size and free space of the file system holding a path.</summary>
public sealed record FreeSpace(string Path, long TotalBytes, long FreeBytes)
{
    public double FreePercent => TotalBytes <= 0 ? 0 : FreeBytes * 100.0 / TotalBytes;

    public override string ToString()
        => $"{ByteSize.Format(FreeBytes)} free of {ByteSize.Format(TotalBytes)} ({FreePercent.ToString("0.#", CultureInfo.InvariantCulture)}%)";
}

/// <summary>
/// The disk-space system job. Validation checks the preflight minimum on both hosts; while the session
/// executes it runs in the background and measures both hosts every check_interval, failing the session
/// with <see cref="DiskSpaceCriticalError"/> as soon as either drops below the runtime minimum — a sync
/// that fills a disk can break the very system it is protecting.
/// </summary>
public sealed class DiskSpaceMonitor() : SyncJob(JobName, "Watches free disk space on both hosts.", required: true)
{
    public const string JobName = "disk_monitor";

    public override IEnumerable<string> Plan(JobContext context)
    {
        DiskConfig disk = context.SessionConfig.Disk;
        return [$"{Name}: preflight minimum {disk.PreflightMinimum}, runtime minimum {disk.RuntimeMinimum} every {disk.CheckInterval.TotalSeconds:0} s on {context.SourceHostname}:{disk.Path.Source} and {context.TargetHostname}:{disk.Path.Target}"];
    }

    public static async Task<FreeSpace> MeasureAsync(ICommandExecutor host, string path, CancellationToken cancellationToken)
    {
        CommandResult result = await host.RunAsync(CommandLine.Create("df", "-B1", "--output=size,avail", "--", path), TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new DiskToolsException(ErrorIds.DiskSpaceUnknown, ErrorKind.ReadError,
                $"Cannot measure free space of '{path}' on {host.Target}: {result.StandardError.Trim()}", path);
        }

        return Parse(path, result.StandardOutput);
    }

    /// <summary>Reads the output of df -B1 --output=size,avail.</summary>
    public static FreeSpace Parse(string path, string dfOutput)
    {
        string[] lines = dfOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string[] fields = lines.Length >= 2 ? lines[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
        if (fields.Length < 2
            || !long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out long total)
            || !long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out long free))
        {
            throw new DiskToolsException(ErrorIds.DiskSpaceUnknown, ErrorKind.InvalidData, $"Unexpected df output for '{path}': {dfOutput.Trim()}", path);
        }

        return new FreeSpace(path, total, free);
    }

    public override async Task<IReadOnlyList<ValidationProblem>> ValidateAsync(JobContext context, CancellationToken cancellationToken)
    {
        DiskConfig disk = context.SessionConfig.Disk;
        var problems = new List<ValidationProblem>();
        foreach (SyncHost host in new[] { SyncHost.Source, SyncHost.Target })
        {
            FreeSpace usage = await MeasureAsync(context.On(host), disk.Path.For(host), cancellationToken).ConfigureAwait(false);
            context.Log(host, LogLevel.Info, $"Disk space at {usage.Path}: {usage}", Usage(usage));
            long preflight = disk.PreflightMinimum.ThresholdBytes(usage.TotalBytes);
            long runtime = disk.RuntimeMinimum.ThresholdBytes(usage.TotalBytes);
            if (runtime > preflight)
            {
                // The session would start only to fail at its first check: the config contradicts itself.
                problems.Add(new ValidationProblem(Name, host, context.HostnameOf(host),
                    $"disk.runtime_minimum {disk.RuntimeMinimum} ({ByteSize.Format(runtime)} of {ByteSize.Format(usage.TotalBytes)} at {usage.Path}) is above disk.preflight_minimum {disk.PreflightMinimum} ({ByteSize.Format(preflight)}); it must not be"));
            }

            if (disk.PreflightMinimum.IsViolatedBy(usage.FreeBytes, usage.TotalBytes))
            {
                problems.Add(new ValidationProblem(Name, host, context.HostnameOf(host),
                    $"{usage} at {usage.Path} is below the preflight minimum {disk.PreflightMinimum} ({ByteSize.Format(disk.PreflightMinimum.ThresholdBytes(usage.TotalBytes))})"));
            }
        }

        return problems;
    }

    /// <summary>Runs until cancelled; throws <see cref="DiskSpaceCriticalError"/> when a host runs low.</summary>
    public override async Task ExecuteAsync(JobContext context, CancellationToken cancellationToken)
    {
        DiskConfig disk = context.SessionConfig.Disk;
        using var timer = new PeriodicTimer(disk.CheckInterval);
        do
        {
            FreeSpace[] both = await Task.WhenAll(
                MeasureAsync(context.Source, disk.Path.Source, cancellationToken),
                MeasureAsync(context.Target, disk.Path.Target, cancellationToken)).ConfigureAwait(false);
            for (int i = 0; i < both.Length; i++)
            {
                SyncHost host = i == 0 ? SyncHost.Source : SyncHost.Target;
                context.Log(host, LogLevel.Debug, $"Disk space at {both[i].Path}: {both[i]}", Usage(both[i]));
                if (disk.RuntimeMinimum.IsViolatedBy(both[i].FreeBytes, both[i].TotalBytes))
                {
                    throw new DiskSpaceCriticalError(host, context.HostnameOf(host), both[i], disk.RuntimeMinimum);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
    }

    private static IReadOnlyDictionary<string, object?> Usage(FreeSpace usage)
        => Fields(("path", usage.Path), ("free_bytes", usage.FreeBytes), ("total_bytes", usage.TotalBytes));
}

/// <summary>A host fell below the runtime minimum of free space during a session.</summary>
public sealed class DiskSpaceCriticalError : DiskToolsException
{
    public DiskSpaceCriticalError(SyncHost host, string hostname, FreeSpace usage, DiskSpaceValue threshold)
        : base(ErrorIds.DiskSpaceCritical, ErrorKind.LimitsExceeded,
            $"{hostname} ({host.ToString().ToLowerInvariant()}): free space {ByteSize.Format(usage.FreeBytes)} ({usage.FreePercent.ToString("0.#", CultureInfo.InvariantCulture)}%) at {usage.Path} is below the runtime minimum {threshold} ({ByteSize.Format(threshold.ThresholdBytes(usage.TotalBytes))}).",
            hostname)
    {
        Host = host;
        Hostname = hostname;
        FreeBytes = usage.FreeBytes;
        TotalBytes = usage.TotalBytes;
        Threshold = threshold.Text;
        Path = usage.Path;
    }

    public SyncHost Host { get; }

    public string Hostname { get; }

    public long FreeBytes { get; }

    public long TotalBytes { get; }

    public string Threshold { get; }

    public string Path { get; }
}
