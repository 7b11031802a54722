using DiskTools.Engine.Output;
using Xunit;

namespace DiskTools.Engine.Tests;

public sealed class ProgressThrottleTests
{
    [Fact]
    public void Nothing_passes_before_the_delay()
    {
        var throttle = new ProgressThrottle(TimeSpan.Zero, TimeSpan.FromHours(1));
        Assert.False(throttle.TryEnter());
        Assert.False(throttle.HasEmitted);
    }

    [Fact]
    public void At_most_one_update_per_interval()
    {
        var throttle = new ProgressThrottle(TimeSpan.FromHours(1), TimeSpan.Zero);
        Assert.True(throttle.TryEnter());
        Assert.False(throttle.TryEnter());
        Assert.True(throttle.HasEmitted);
    }

    [Fact]
    public void Updates_pass_again_once_the_interval_has_elapsed()
    {
        var throttle = new ProgressThrottle(TimeSpan.FromMilliseconds(20), TimeSpan.Zero);
        Assert.True(throttle.TryEnter());
        Thread.Sleep(40);
        Assert.True(throttle.TryEnter());
    }
}
