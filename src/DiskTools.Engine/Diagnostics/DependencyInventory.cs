using System.Reflection;
using System.Runtime.Loader;

namespace DiskTools.Engine.Diagnostics;

/// <summary>
/// Reports which copy of each shipped library DiskTools itself uses, so an admin can tell whether another
/// module's copy is interfering. Resolving each anchor type loads the library exactly as the engine would.
/// </summary>
public static class DependencyInventory
{
    private static readonly Type[] AnchorTypes =
    [
        typeof(Npgsql.NpgsqlConnection),
        typeof(Renci.SshNet.SshClient),
        typeof(YamlDotNet.Serialization.Deserializer),
        typeof(Parquet.ParquetReader),
    ];

    public static IReadOnlyList<DependencyInfo> Describe()
    {
        var result = new List<DependencyInfo>(AnchorTypes.Length + 1);
        foreach (Assembly assembly in AnchorTypes.Select(t => t.Assembly).Prepend(typeof(DependencyInventory).Assembly))
        {
            AssemblyName name = assembly.GetName();
            string informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                ?? name.Version?.ToString() ?? string.Empty;
            result.Add(new DependencyInfo(
                name.Name ?? assembly.FullName ?? "?",
                name.Version ?? new Version(0, 0),
                informational,
                AssemblyLoadContext.GetLoadContext(assembly)?.Name ?? "Default",
                assembly.Location));
        }

        return result;
    }
}
