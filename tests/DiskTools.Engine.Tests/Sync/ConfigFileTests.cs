using System.Diagnostics;
using DiskTools.Engine.Output;
using DiskTools.Engine.Sync.Config;
using DiskTools.TestFixtures;
using Xunit;

namespace DiskTools.Engine.Tests.Sync;

public sealed class ConfigFileTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("disktools-config-").FullName;

    public void Dispose() => Directory.Delete(dir, true);

    [Fact]
    public async Task A_FIFO_is_refused_at_once_instead_of_waiting_for_a_writer()
    {
        string fifo = Path.Combine(dir, "sync.yaml");
        ProcessRunner.Run("mkfifo", fifo);
        var watch = Stopwatch.StartNew();
        Task<DiskToolsException> refused = Task.Run(() => Assert.ThrowsAny<DiskToolsException>(() => SyncConfigLoader.ReadText(fifo)));
        DiskToolsException error = await refused.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("SyncConfigNotAFile", error.ErrorId);
        Assert.Contains("is a FIFO (named pipe), not a regular file", error.Message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void A_device_is_refused_without_reading_it()
    {
        DiskToolsException refused = Assert.ThrowsAny<DiskToolsException>(() => SyncConfigLoader.ReadText("/dev/zero"));
        Assert.Equal("SyncConfigNotAFile", refused.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, refused.Kind);
        Assert.Contains("character device", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_larger_than_the_limit_is_refused_and_a_normal_one_read()
    {
        string big = Path.Combine(dir, "big.yaml");
        using (FileStream stream = File.Create(big))
        {
            stream.SetLength(SyncConfigLoader.MaxBytes + 1);
        }

        DiskToolsException refused = Assert.ThrowsAny<DiskToolsException>(() => SyncConfigLoader.ReadText(big));
        Assert.Equal("SyncConfigTooLarge", refused.ErrorId);
        Assert.Equal(ErrorKind.LimitsExceeded, refused.Kind);

        string good = Path.Combine(dir, "good.yaml");
        File.WriteAllText(good, "log_cli_level: INFO\n", new System.Text.UTF8Encoding(true));
        Assert.Equal("log_cli_level: INFO\n", SyncConfigLoader.ReadText(good));
    }
}
