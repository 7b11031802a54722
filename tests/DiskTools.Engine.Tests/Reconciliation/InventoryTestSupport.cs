using System.Collections.Concurrent;
using DiskTools.Engine.Output;
using DiskTools.Engine.Storage;
using DiskTools.TestFixtures;
using Npgsql;

namespace DiskTools.Engine.Tests.Reconciliation;

/// <summary>A scratch tree under /tmp plus helpers to query the inventory directly.</summary>
internal sealed class ScratchTree : IDisposable
{
    /// <param name="parent">Where to make the tree (default the temporary directory).</param>
    public ScratchTree(string? parent = null)
    {
        Root = Path.Combine(parent ?? Path.GetTempPath(), "dt-inv-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string this[string relative] => Path.Combine(Root, relative);

    public string Write(string relative, string content)
    {
        string path = this[relative];
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose()
    {
        // rm copes with trees deeper than PATH_MAX, which the tests create on purpose.
        using var rm = System.Diagnostics.Process.Start("rm", ["-rf", Root]);
        rm.WaitForExit();
    }
}

internal static class Inventory
{
    public static InventoryDatabase Open(string connectionString) => InventoryDatabase.Open(connectionString, null);

    /// <summary>path → (hash, xmin) for a root: xmin proves whether a row was rewritten.</summary>
    public static Dictionary<string, (string? Hash, uint Xmin, long Size)> Records(string connectionString, string root)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand("""
            SELECT f.file_path, f.content_hash, f.xmin::text::bigint, f.file_size FROM file_records f
            JOIN repositories r ON r.id = f.repository_id WHERE r.root_path = $1
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = root });
        using var reader = command.ExecuteReader();
        var map = new Dictionary<string, (string?, uint, long)>(StringComparer.Ordinal);
        while (reader.Read())
        {
            map[reader.GetString(0)] = (reader.IsDBNull(1) ? null : reader.GetString(1), (uint)reader.GetInt64(2), reader.GetInt64(3));
        }

        return map;
    }

    public static string Sha256(string path) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));

    public static void Require() => Prerequisite.Require(Prerequisite.FindExecutable("pg_ctl") is not null || Directory.Exists("/usr/lib/postgresql"), "PostgreSQL server binaries");
}
