namespace DiskTools.Engine.Sync.Session;

/// <summary>Where a sync session is in its lifecycle. The last three are final.</summary>
public enum SyncSessionState
{
    Initializing,
    Validating,
    Executing,
    Cleanup,
    Completed,
    Failed,
    Interrupted,
}

/// <summary>
/// The session lifecycle as a guarded state machine: Initializing → Validating → Executing → Completed on
/// success; any trouble goes through Cleanup to Failed or Interrupted. Cleanup → Completed exists for one
/// case only: a -WhatIf run, which stops after validation having changed nothing. Thread-safe, because
/// Ctrl+C and a failing background monitor can race to move the session.
/// </summary>
public sealed class SessionStateMachine
{
    private static readonly Dictionary<SyncSessionState, SyncSessionState[]> Allowed = new()
    {
        [SyncSessionState.Initializing] = [SyncSessionState.Validating, SyncSessionState.Cleanup],
        [SyncSessionState.Validating] = [SyncSessionState.Executing, SyncSessionState.Cleanup],
        [SyncSessionState.Executing] = [SyncSessionState.Completed, SyncSessionState.Cleanup],
        [SyncSessionState.Cleanup] = [SyncSessionState.Failed, SyncSessionState.Interrupted, SyncSessionState.Completed],
        [SyncSessionState.Completed] = [],
        [SyncSessionState.Failed] = [],
        [SyncSessionState.Interrupted] = [],
    };

    private readonly object gate = new();
    private readonly Action<SyncSessionState, SyncSessionState>? changed;

    public SessionStateMachine(Action<SyncSessionState, SyncSessionState>? changed = null) => this.changed = changed;

    public SyncSessionState Current { get; private set; } = SyncSessionState.Initializing;

    public bool IsFinal => IsFinalState(Current);

    public static bool IsFinalState(SyncSessionState state)
        => state is SyncSessionState.Completed or SyncSessionState.Failed or SyncSessionState.Interrupted;

    public static bool CanMove(SyncSessionState from, SyncSessionState to) => Allowed[from].Contains(to);

    /// <summary>Moves to <paramref name="next"/>; throws when the lifecycle does not allow it.</summary>
    public void MoveTo(SyncSessionState next)
    {
        SyncSessionState previous;
        lock (gate)
        {
            previous = Current;
            if (!CanMove(previous, next))
            {
                throw new InvalidOperationException($"A sync session cannot go from {previous} to {next}.");
            }

            Current = next;
        }

        changed?.Invoke(previous, next);
    }
}
