using System.Text;
using System.Text.Json;
using DiskTools.Engine.LucidAudit;

namespace DiskTools.Engine.Tests.LucidAudit;

/// <summary>Generates audit trees in the documented layout: .lucid_audit/&lt;node&gt;/&lt;yyyy&gt;/&lt;mm&gt;/&lt;begin&gt;.log[.active].</summary>
internal sealed class AuditTrailWriter : IDisposable
{
    public AuditTrailWriter()
    {
        Root = Path.Combine(Path.GetTempPath(), "dt-audit-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string LogPath(string node, DateTime begin, bool active)
    {
        string dir = Path.Combine(Root, ".lucid_audit", node, begin.ToString("yyyy"), begin.ToString("MM"));
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, AuditTreeDiscovery.FormatStem(begin) + (active ? ".log.active" : ".log"));
    }

    public static string Event(AuditAction action, string path, DateTime when, string? target = null, string user = "alice", string node = "n1")
    {
        long micros = (when.ToUniversalTime().Ticks - DateTime.UnixEpoch.Ticks) / 10;
        var operation = new Dictionary<string, object?> { ["action"] = action.ToString(), ["entryPath"] = path, ["fileId"] = "f-" + path.GetHashCode() };
        if (target is not null)
        {
            operation["targetPath"] = target;
        }

        return JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["timestamp"] = micros,
            ["user"] = new { name = user, id = user + "@example.com" },
            ["device"] = new { hostName = "ws1", osName = "Linux", osVersion = "6.8" },
            ["event"] = new { filespace = "fs.acme", nodeId = node, filespaceUuid = "0d6c1f2e" },
            ["operation"] = operation,
        });
    }

    public static void Append(string path, string text) => File.AppendAllText(path, text, new UTF8Encoding(false));

    public static AuditLogFile Find(string root, string node, DateTime begin)
        => AuditTreeDiscovery.Discover(root).Single(f => f.NodeId == node && f.BeginStem == AuditTreeDiscovery.FormatStem(begin));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
