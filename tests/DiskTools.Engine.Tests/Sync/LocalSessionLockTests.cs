using DiskTools.Engine.Sync.Safety;
using Xunit;

namespace DiskTools.Engine.Tests.Sync;

public sealed class LocalSessionLockTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("disktools-lock-").FullName;

    public void Dispose() => Directory.Delete(dir, true);

    [Fact]
    public void A_second_holder_is_refused_with_the_first_named()
    {
        string path = Path.Combine(dir, "nested", "sync-source.lock");
        using (LocalSessionLock first = LocalSessionLock.Acquire(path, "aaaaaaaa", "box"))
        {
            var refused = Assert.Throws<SessionLockedException>(() => LocalSessionLock.Acquire(path, "bbbbbbbb", "box"));
            Assert.Contains("session=aaaaaaaa", refused.Holder, StringComparison.Ordinal);
            Assert.Equal("SyncSessionLocked", refused.ErrorId);
        }

        using LocalSessionLock again = LocalSessionLock.Acquire(path, "cccccccc", "box");
        Assert.Null(again.StaleHolder);
    }

    [Fact]
    public void A_file_left_by_a_dead_process_is_recognised_as_stale()
    {
        string path = Path.Combine(dir, "sync-source.lock");
        File.WriteAllText(path, "pid=999999999 session=deadbeef host=box since=2020-01-01T00:00:00Z\n");
        using LocalSessionLock taken = LocalSessionLock.Acquire(path, "12345678", "box");
        Assert.Contains("deadbeef", taken.StaleHolder, StringComparison.Ordinal);
        Assert.Contains("session=12345678", LocalSessionLock.ReadHolder(path), StringComparison.Ordinal);
    }
}
