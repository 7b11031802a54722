using System.Reflection;

namespace DiskTools.Loader;

/// <summary>
/// Makes DiskTools' public types nameable in PowerShell although they live in the private load context:
/// <c>[DiskTools.Engine.DiskUsage.DiskUsageEntry]</c>, <c>-is</c>, <c>-as</c>, casts, typed parameters,
/// enum literals and Pester's <c>Should -BeOfType</c> all resolve type names through the same lookup.
/// </summary>
/// <remarks>
/// PowerShell searches only the default load context for a type name and then its table of type
/// accelerators, which maps a name to a <see cref="Type"/> wherever that type was loaded. Each public type
/// is entered there under its full name (the name it is documented and formatted by), never a short one,
/// so no name another module or PowerShell itself uses can be shadowed. The table is process-wide and the
/// assemblies are never unloaded, so the names stay valid for the life of the process, in every runspace,
/// as the types of a module loaded into the default context would. A <c>using namespace</c> statement does
/// not reach these names: scripts spell DiskTools types in full.
/// </remarks>
public static class TypeNames
{
    private const string AcceleratorsType = "System.Management.Automation.TypeAccelerators, System.Management.Automation";

    /// <summary>Enters every public type of <paramref name="assemblies"/> under its full name; idempotent.</summary>
    /// <returns>How many names were entered.</returns>
    /// <exception cref="InvalidOperationException">This PowerShell has no type accelerator table to enter them in.</exception>
    public static int Publish(params Assembly[] assemblies)
    {
        MethodInfo add = Type.GetType(AcceleratorsType, throwOnError: false)
            ?.GetMethod("Add", BindingFlags.Public | BindingFlags.Static, [typeof(string), typeof(Type)])
            ?? throw new InvalidOperationException(
                "This PowerShell has no System.Management.Automation.TypeAccelerators.Add(string, Type); DiskTools cannot publish its type names.");

        int count = 0;
        foreach (Assembly assembly in assemblies)
        {
            foreach (Type type in assembly.GetExportedTypes())
            {
                if (type.FullName is string name)
                {
                    add.Invoke(null, [name, type]);
                    count++;
                }
            }
        }

        return count;
    }
}
