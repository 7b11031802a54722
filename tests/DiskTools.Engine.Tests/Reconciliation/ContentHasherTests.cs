using DiskTools.Engine.Reconciliation;
using Xunit;

namespace DiskTools.Engine.Tests.Reconciliation;

public sealed class ContentHasherTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("disktools-hasher-").FullName;

    [Fact]
    public void A_file_modified_just_before_the_read_is_too_recent_not_changed()
    {
        // Writing and hashing at once puts the file's ctime inside the racy window; on a loaded machine a
        // try may take longer than the window, so several are made and one must land inside it.
        var outcomes = new List<HashOutcome>();
        for (int i = 0; i < 20 && !outcomes.Contains(HashOutcome.TooRecent); i++)
        {
            string path = Path.Combine(dir, $"fresh-{i}");
            File.WriteAllText(path, "content");
            FileIdentity identity = NativeStat.OfPath(path)!.Value;
            outcomes.Add(ContentHasher.Hash(path, identity, CancellationToken.None).Outcome);
        }

        Assert.Contains(HashOutcome.TooRecent, outcomes);
        Assert.DoesNotContain(HashOutcome.Changed, outcomes);
    }

    [Fact]
    public void A_file_rewritten_during_the_read_is_changed()
    {
        string path = Path.Combine(dir, "busy");
        File.WriteAllText(path, "before");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(-5));
        FileIdentity identity = NativeStat.OfPath(path)!.Value;
        HashResult result = ContentHasher.Hash(path, identity, CancellationToken.None, whileHashing: p => File.AppendAllText(p, " and after"));
        Assert.Equal(HashOutcome.Changed, result.Outcome);
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
