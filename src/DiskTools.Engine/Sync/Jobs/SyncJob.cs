using DiskTools.Engine.Remoting;
using DiskTools.Engine.Sync.Config;
using DiskTools.Engine.Sync.Logging;

namespace DiskTools.Engine.Sync.Jobs;

/// <summary>
/// A unit of work in a session. The lifecycle is fixed: the config section is checked against
/// <see cref="Schema"/> (phase 2), <see cref="ValidateAsync"/> checks the live hosts (phase 3) before
/// anything changes, <see cref="ExecuteAsync"/> does the work and throws on failure, and
/// <see cref="AbortAsync"/> stops whatever the job still has running on either host. Processes started
/// through <see cref="StartAsync"/> are tracked, so the default abort ends them all.
/// </summary>
/// <param name="name">The job's name: its key in sync_jobs and its config section.</param>
/// <param name="description">One line for plans and help.</param>
/// <param name="required">Required jobs are system jobs: always run, cannot be switched off in sync_jobs.</param>
public abstract class SyncJob(string name, string description, bool required = false)
{
    private readonly ConcurrentDictionary<IRunningCommand, SyncHost> running = new();

    public string Name { get; } = name;

    /// <summary>Required jobs are system jobs: always run, cannot be switched off in sync_jobs.</summary>
    public bool Required { get; } = required;

    /// <summary>One line for plans and help.</summary>
    public string Description { get; } = description;

    /// <summary>Phase 3: what on the live hosts would stop this job. Empty when all is well.</summary>
    public virtual Task<IReadOnlyList<ValidationProblem>> ValidateAsync(JobContext context, CancellationToken cancellationToken)
        => Task.FromResult<IReadOnlyList<ValidationProblem>>([]);

    /// <summary>What the job would do, for -WhatIf (one line per step).</summary>
    public virtual IEnumerable<string> Plan(JobContext context) => [Description];

    /// <summary>Does the work; throws to fail the session.</summary>
    public abstract Task ExecuteAsync(JobContext context, CancellationToken cancellationToken);

    /// <summary>Stops everything the job still runs on either host within <paramref name="timeout"/>.</summary>
    public virtual async Task AbortAsync(TimeSpan timeout)
    {
        TimeSpan grace = TimeSpan.FromTicks(timeout.Ticks / 2);
        using var deadline = new CancellationTokenSource(timeout);
        Task[] stopping = [.. running.Keys.Select(c => TerminateQuietly(c, grace, deadline.Token))];
        await Task.WhenAll(stopping).ConfigureAwait(false);
    }

    /// <summary>
    /// The session ends without the run this job prepared for during validation (validation failed, the run was
    /// declined or -WhatIf, an earlier step failed): releases whatever it started ahead, within <paramref name="timeout"/>.
    /// Called for every job at the end of every session; does nothing when nothing was prepared or it was used.
    /// </summary>
    public virtual Task DiscardAsync(TimeSpan timeout) => Task.CompletedTask;

    /// <summary>Starts a process on a host and tracks it, so that <see cref="AbortAsync"/> can end it.</summary>
    protected async Task<IRunningCommand> StartAsync(JobContext context, SyncHost host, CommandLine command, CancellationToken cancellationToken)
    {
        IRunningCommand started = await context.On(host).StartAsync(command, cancellationToken).ConfigureAwait(false);
        running.TryAdd(started, host);
        return started;
    }

    /// <summary>Ends a process (and everything it started) now, if it still runs; never throws.</summary>
    protected static Task StopAsync(IRunningCommand command, TimeSpan grace)
        => TerminateQuietly(command, grace, CancellationToken.None);

    /// <summary>Stops tracking a process that has ended and releases it.</summary>
    protected async Task ReleaseAsync(IRunningCommand command)
    {
        running.TryRemove(command, out _);
        await command.DisposeAsync().ConfigureAwait(false);
    }

    protected static IReadOnlyDictionary<string, object?> Fields(params (string Key, object? Value)[] fields)
        => fields.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);

    private static async Task TerminateQuietly(IRunningCommand command, TimeSpan grace, CancellationToken cancellationToken)
    {
        try
        {
            await command.TerminateAsync(grace, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or Output.DiskToolsException or ObjectDisposedException or InvalidOperationException or Renci.SshNet.Common.SshException)
        {
            // Abort is best effort within its deadline; the session still ends.
        }
    }
}

/// <summary>A job known to the catalog: its name, schema and how to make one.</summary>
public sealed record SyncJobDefinition(string Name, string Description, MapSchema Schema, Func<SyncJob> Create);
