using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace DiskTools.Host;

/// <summary>Minimal launcher: runs a command with DiskTools imported. (Replaced by the full launcher.)</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        string moduleManifest = ModuleLocator.FindManifest();
        InitialSessionState state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(moduleManifest);
        using Runspace runspace = RunspaceFactory.CreateRunspace(state);
        runspace.Open();
        using PowerShell ps = PowerShell.Create(runspace);
        string script = args.Length >= 2 && args[0] == "-Command" ? args[1] : string.Join(' ', args);
        ps.AddScript(script);
        foreach (var o in ps.Invoke()) Console.WriteLine(o);
        foreach (var e in ps.Streams.Error) Console.Error.WriteLine(e);
        return ps.HadErrors ? 1 : 0;
    }
}
