using System.Reflection;
using System.Runtime.Loader;

namespace DiskTools.Loader;

/// <summary>
/// A private load context for DiskTools and the libraries it ships (Npgsql, SSH.NET, YamlDotNet and
/// their dependencies), so the module can share a session with modules that ship other versions of them.
/// </summary>
/// <remarks>
/// <para>
/// Anything not shipped in the module's bin folder, and anything the runtime itself provides, resolves
/// from the default context: System.Management.Automation must be the one PowerShell is running.
/// </para>
/// <para>
/// The engine stays in this context too, although its types are what users name in scripts: an assembly's
/// references bind in the context it lives in, and in the default context any copy of Npgsql or YamlDotNet
/// already loaded there (by another module, or by the host application) of the same or a higher version
/// would be bound in place of DiskTools' own. PowerShell's type resolution only searches the default
/// context, so <see cref="Initialize"/> publishes the full name of every public DiskTools type to it
/// instead (see <see cref="TypeNames"/>).
/// </para>
/// </remarks>
public sealed class ModuleLoadContext : AssemblyLoadContext
{
    private static readonly object Gate = new();
    private static ModuleLoadContext? instance;

    private readonly string binDirectory;
    private readonly string runtimeDirectory;

    private ModuleLoadContext(string binDirectory)
        : base("DiskTools", isCollectible: false)
    {
        this.binDirectory = binDirectory;
        runtimeDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location) ?? string.Empty;
    }

    /// <summary>
    /// The module assembly, loaded into the private context (created once per process), with the names of
    /// its public types and the engine's published to PowerShell's type resolution.
    /// </summary>
    public static Assembly Initialize()
    {
        lock (Gate)
        {
            if (instance is null)
            {
                string bin = Path.GetDirectoryName(typeof(ModuleLoadContext).Assembly.Location)
                    ?? throw new InvalidOperationException("Cannot locate the DiskTools bin folder.");
                instance = new ModuleLoadContext(bin);
            }

            Assembly module = instance.LoadFromAssemblyName(new AssemblyName("DiskTools"));
            Assembly engine = instance.LoadFromAssemblyName(new AssemblyName("DiskTools.Engine"));
            TypeNames.Publish(engine, module);
            return module;
        }
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        string? name = assemblyName.Name;
        if (name is null || name == "System.Management.Automation")
        {
            return null;
        }

        // The runtime's own assemblies must be shared, or types like Stream would differ between contexts.
        if (File.Exists(Path.Combine(runtimeDirectory, name + ".dll")))
        {
            return null;
        }

        string candidate = Path.Combine(binDirectory, name + ".dll");
        return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        string candidate = Path.Combine(binDirectory, unmanagedDllName);
        return File.Exists(candidate) ? LoadUnmanagedDllFromPath(candidate) : IntPtr.Zero;
    }
}
