using DiskTools.Engine.Sync.Session;
using Xunit;
using S = DiskTools.Engine.Sync.Session.SyncSessionState;

namespace DiskTools.Engine.Tests.Sync;

public sealed class SessionStateTests
{
    [Theory]
    [InlineData(new[] { S.Validating, S.Executing, S.Completed })]
    [InlineData(new[] { S.Validating, S.Executing, S.Cleanup, S.Failed })]
    [InlineData(new[] { S.Validating, S.Executing, S.Cleanup, S.Interrupted })]
    [InlineData(new[] { S.Cleanup, S.Failed })]
    [InlineData(new[] { S.Validating, S.Cleanup, S.Interrupted })]
    [InlineData(new[] { S.Validating, S.Cleanup, S.Completed })]
    public void Allowed_paths_reach_a_final_state(S[] path)
    {
        var changes = new List<(S, S)>();
        var machine = new SessionStateMachine((from, to) => changes.Add((from, to)));
        foreach (S next in path)
        {
            machine.MoveTo(next);
        }

        Assert.True(machine.IsFinal);
        Assert.Equal(path.Length, changes.Count);
        Assert.Equal(S.Initializing, changes[0].Item1);
    }

    [Theory]
    [InlineData(S.Initializing, S.Executing)]
    [InlineData(S.Initializing, S.Failed)]
    [InlineData(S.Validating, S.Failed)]
    [InlineData(S.Executing, S.Failed)]
    [InlineData(S.Executing, S.Interrupted)]
    [InlineData(S.Validating, S.Completed)]
    [InlineData(S.Completed, S.Cleanup)]
    [InlineData(S.Failed, S.Cleanup)]
    public void Shortcuts_past_cleanup_are_refused(S from, S to) => Assert.False(SessionStateMachine.CanMove(from, to));

    [Fact]
    public void An_illegal_move_throws_and_keeps_the_state()
    {
        var machine = new SessionStateMachine();
        machine.MoveTo(S.Validating);
        Assert.Throws<InvalidOperationException>(() => machine.MoveTo(S.Failed));
        Assert.Equal(S.Validating, machine.Current);
    }
}
