using DiskTools.Engine.LucidAudit;
using Xunit;

namespace DiskTools.Engine.Tests.LucidAudit;

public sealed class AuditTreeDiscoveryTests
{
    [Fact]
    public void Finds_rotated_and_active_logs_of_every_node_in_the_documented_layout()
    {
        using var tree = new AuditTrailWriter();
        var t1 = new DateTime(2025, 11, 29, 14, 30, 22, DateTimeKind.Utc);
        var t2 = t1.AddMinutes(15);
        var t3 = new DateTime(2025, 12, 1, 0, 0, 0, DateTimeKind.Utc);
        File.WriteAllText(tree.LogPath("node-a", t1, active: false), "");
        File.WriteAllText(tree.LogPath("node-a", t2, active: true), "");
        File.WriteAllText(tree.LogPath("node-b", t3, active: true), "");

        var ignored = new List<string>();
        IReadOnlyList<AuditLogFile> logs = AuditTreeDiscovery.Discover(tree.Root, (path, _) => ignored.Add(Path.GetFileName(path)));

        Assert.Equal(3, logs.Count);
        Assert.Equal(["node-a", "node-a", "node-b"], logs.Select(l => l.NodeId));
        Assert.Equal("2025-11-29T14.30.22Z", logs[0].BeginStem);
        Assert.Equal(t1, logs[0].BeginUtc);
        Assert.False(logs[0].IsActive);
        Assert.True(logs[1].IsActive);
        Assert.Equal(".lucid_audit/node-b/2025/12/2025-12-01T00.00.00Z.log.active", logs[2].RelativePath);
        Assert.Empty(ignored);
    }

    [Fact]
    public void Names_outside_the_layout_are_reported_and_skipped()
    {
        using var tree = new AuditTrailWriter();
        var t = new DateTime(2025, 11, 29, 14, 30, 22, DateTimeKind.Utc);
        string good = tree.LogPath("n", t, active: false);
        string month = Path.GetDirectoryName(good)!;
        File.WriteAllText(good, "");
        File.WriteAllText(Path.Combine(month, "notes.txt"), "");
        File.WriteAllText(Path.Combine(month, "2025-11-29 14:30:22.log"), "");
        File.WriteAllText(Path.Combine(month, "2025-11-29T14.30.22Z.log.gz"), "");
        Directory.CreateDirectory(Path.Combine(tree.Root, ".lucid_audit", "n", "latest"));
        Directory.CreateDirectory(Path.Combine(tree.Root, ".lucid_audit", "n", "2025", "13"));

        var ignored = new List<string>();
        IReadOnlyList<AuditLogFile> logs = AuditTreeDiscovery.Discover(tree.Root, (path, _) => ignored.Add(Path.GetFileName(path)));

        Assert.Single(logs);
        Assert.Equal(["13", "2025-11-29 14:30:22.log", "2025-11-29T14.30.22Z.log.gz", "latest", "notes.txt"], ignored.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_log_seen_under_both_names_is_one_log_under_its_rotated_name()
    {
        using var tree = new AuditTrailWriter();
        var t = new DateTime(2025, 11, 29, 14, 30, 22, DateTimeKind.Utc);
        File.WriteAllText(tree.LogPath("n", t, active: true), "");
        File.WriteAllText(tree.LogPath("n", t, active: false), "");

        AuditLogFile log = Assert.Single(AuditTreeDiscovery.Discover(tree.Root));
        Assert.False(log.IsActive);
    }

    [Fact]
    public void A_filespace_without_an_audit_folder_has_no_logs()
    {
        using var tree = new AuditTrailWriter();
        Assert.Empty(AuditTreeDiscovery.Discover(tree.Root));
    }

    [Theory]
    [InlineData("2025-11-29T14.30.22Z.log", "2025-11-29T14.30.22Z", false)]
    [InlineData("2025-11-29T14.30.22Z.log.active", "2025-11-29T14.30.22Z", true)]
    public void Begin_names_parse(string name, string stem, bool active)
    {
        Assert.True(AuditTreeDiscovery.TryParseName(name, out string parsed, out DateTime begin, out bool isActive));
        Assert.Equal(stem, parsed);
        Assert.Equal(active, isActive);
        Assert.Equal(DateTimeKind.Utc, begin.Kind);
        Assert.Equal(new DateTime(2025, 11, 29, 14, 30, 22, DateTimeKind.Utc), begin);
    }
}
