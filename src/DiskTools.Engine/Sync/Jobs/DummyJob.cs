using DiskTools.Engine.Remoting;
using DiskTools.Engine.Sync.Config;
using DiskTools.Engine.Sync.Logging;

namespace DiskTools.Engine.Sync.Jobs;

/// <summary>
/// dummy_success and dummy_fail exercise the machinery without touching data: for duration_seconds they
/// keep a harmless process (sleep) running on both hosts, report progress, and log at every level on both
/// hosts. dummy_fail throws when fail_at_percent is reached; dummy_success logs an ERROR only when
/// log_error is true (to show that any ERROR fails the session).
/// </summary>
public sealed class DummyJob : SyncJob
{
    public const string SuccessName = "dummy_success";
    public const string FailName = "dummy_fail";

    private readonly bool fails;

    private DummyJob(bool fails)
        : base(
            fails ? FailName : SuccessName,
            fails ? "Test job: runs a harmless process on both hosts, then fails on purpose." : "Test job: runs a harmless process on both hosts and succeeds.")
        => this.fails = fails;

    public static SyncJobDefinition SuccessDefinition { get; } = new(
        SuccessName,
        "Test job that succeeds.",
        ConfigSchema.Map(
            ConfigSchema.Field("duration_seconds", ConfigSchema.Number(0, 86_400)),
            ConfigSchema.Field("log_error", ConfigSchema.Bool())),
        () => new DummyJob(fails: false));

    public static SyncJobDefinition FailDefinition { get; } = new(
        FailName,
        "Test job that fails on purpose.",
        ConfigSchema.Map(
            ConfigSchema.Field("duration_seconds", ConfigSchema.Number(0, 86_400)),
            ConfigSchema.Field("fail_at_percent", ConfigSchema.Int(0, 100))),
        () => new DummyJob(fails: true));

    public override IEnumerable<string> Plan(JobContext context)
        => [$"{Name}: {Duration(context).TotalSeconds:0.#} s on {context.SourceHostname} and {context.TargetHostname}"
            + (fails ? $", failing at {FailAt(context)}%" : string.Empty)];

    public override async Task ExecuteAsync(JobContext context, CancellationToken cancellationToken)
    {
        TimeSpan duration = Duration(context);
        int failAt = fails ? FailAt(context) : 101;
        string seconds = Math.Max(1, Math.Ceiling(duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        IRunningCommand onSource = await StartAsync(context, SyncHost.Source, CommandLine.Create("sleep", seconds), cancellationToken).ConfigureAwait(false);
        IRunningCommand onTarget = await StartAsync(context, SyncHost.Target, CommandLine.Create("sleep", seconds), cancellationToken).ConfigureAwait(false);
        try
        {
            context.Log(SyncHost.Source, LogLevel.Debug, "Started a placeholder process", Fields(("pid", onSource.ProcessGroupId)));
            context.Log(SyncHost.Target, LogLevel.Debug, "Started a placeholder process", Fields(("pid", onTarget.ProcessGroupId)));
            context.Log(SyncHost.Source, LogLevel.Info, $"{Name} running for {duration.TotalSeconds:0.#} s");
            var watch = Stopwatch.StartNew();
            int lastReported = -1;
            while (true)
            {
                int percent = duration <= TimeSpan.Zero ? 100 : (int)Math.Min(100, watch.Elapsed / duration * 100);
                if (percent >= failAt)
                {
                    context.Log(SyncHost.Target, LogLevel.Error, $"{Name} reached {failAt}% and fails as configured");
                    throw new DummyJobFailedException(Name, failAt);
                }

                if (percent / 25 != lastReported / 25)
                {
                    // Every level on both hosts over the run: FULL and DEBUG detail, INFO milestones, a WARNING halfway.
                    SyncHost host = (percent / 25) % 2 == 0 ? SyncHost.Source : SyncHost.Target;
                    context.Log(host, LogLevel.Full, $"{Name} at {percent}%", Fields(("percent", percent)));
                    context.Log(host, percent >= 50 && lastReported < 50 ? LogLevel.Warning : LogLevel.Info, $"{Name} milestone {percent / 25 * 25}%");
                }

                lastReported = percent;
                context.Progress(new ProgressUpdate(Percent: percent, Item: percent % 2 == 0 ? context.SourceHostname : context.TargetHostname));
                if (percent >= 100)
                {
                    break;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
            }

            if (!fails && context.Config.GetBool("log_error", false))
            {
                context.Log(SyncHost.Target, LogLevel.Error, $"{Name} logs an ERROR as configured (log_error: true)");
            }

            context.Log(SyncHost.Source, LogLevel.Info, $"{Name} finished");
        }
        finally
        {
            await AbortAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            await ReleaseAsync(onSource).ConfigureAwait(false);
            await ReleaseAsync(onTarget).ConfigureAwait(false);
        }
    }

    private static TimeSpan Duration(JobContext context) => TimeSpan.FromSeconds(context.Config.GetNumber("duration_seconds", 5));

    private static int FailAt(JobContext context) => (int)context.Config.GetInt("fail_at_percent", 50);
}

/// <summary>dummy_fail did what it is for.</summary>
public sealed class DummyJobFailedException(string job, int percent)
    : Output.DiskToolsException(ErrorIds.SyncJobFailed, Output.ErrorKind.InvalidOperation, $"{job} failed on purpose at {percent}%.", job);
