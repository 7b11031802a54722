using System.Reflection;

namespace DiskTools.Engine.Storage;

/// <summary>One numbered schema change, embedded in the engine as Storage/Migrations/NNNN_name.sql.</summary>
public sealed partial record Migration(int Version, string Name, string Sql, string Checksum)
{
    private const string ResourcePrefix = "DiskTools.Engine.Storage.Migrations.";

    /// <summary>Every embedded migration, in version order.</summary>
    public static IReadOnlyList<Migration> Embedded { get; } = Load();

    /// <summary>The newest schema version this build knows.</summary>
    public static int LatestVersion => Embedded[^1].Version;

    /// <summary>
    /// SHA-256 over the text with line endings unified, so a checkout that converts them does not look like
    /// an edited migration, while any other change to an applied migration does.
    /// </summary>
    public static string ChecksumOf(string sql)
        => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql.Replace("\r\n", "\n", StringComparison.Ordinal))));

    private static List<Migration> Load()
    {
        Assembly assembly = typeof(Migration).Assembly;
        var list = new List<Migration>();
        foreach (string resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            Match match = FileName().Match(resource[ResourcePrefix.Length..]);
            if (!match.Success)
            {
                throw new InvalidOperationException($"Embedded migration '{resource}' is not named NNNN_name.sql.");
            }

            using Stream stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            string sql = reader.ReadToEnd();
            list.Add(new Migration(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), match.Groups[2].Value, sql, ChecksumOf(sql)));
        }

        list.Sort((a, b) => a.Version.CompareTo(b.Version));
        // Each feature numbers its migrations in its own block (the inventory from 1, LucidLink audit
        // ingest from 100), so versions rise strictly but may leave gaps; a repeated number is an error.
        for (int i = 1; i < list.Count; i++)
        {
            if (list[i].Version == list[i - 1].Version)
            {
                throw new InvalidOperationException($"Two embedded migrations share version {list[i].Version}.");
            }
        }

        return list;
    }

    [GeneratedRegex(@"^(\d{4})_([A-Za-z0-9_]+)\.sql$")]
    private static partial Regex FileName();
}
