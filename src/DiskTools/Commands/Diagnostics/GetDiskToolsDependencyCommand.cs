using DiskTools.Engine.Diagnostics;

namespace DiskTools.Commands.Diagnostics;

/// <summary>Lists the third-party libraries DiskTools uses and the load context each came from.</summary>
[Cmdlet(VerbsCommon.Get, "DiskToolsDependency")]
[OutputType(typeof(DependencyInfo))]
public sealed class GetDiskToolsDependencyCommand : PSCmdlet
{
    protected override void EndProcessing()
    {
        foreach (DependencyInfo info in DependencyInventory.Describe())
        {
            WriteObject(info);
        }
    }
}
