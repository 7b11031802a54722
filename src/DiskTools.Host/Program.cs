using DiskTools.Host.Hosting;

namespace DiskTools.Host;

/// <summary>
/// disktools: the PowerShell engine with the DiskTools module imported, for machines without pwsh.
/// A launcher, not a shell: it runs one script, file or command and exits with a meaningful code.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        LaunchRequest request;
        try
        {
            request = LaunchRequest.Parse(args);
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"disktools: {e.Message}");
            return ScriptRunner.ExitUsage;
        }

        switch (request.Mode)
        {
            case LaunchMode.Help:
                Console.Out.WriteLine(LaunchRequest.Usage);
                return 0;
            case LaunchMode.Version:
                Console.Out.WriteLine(VersionText());
                return 0;
        }

        StartupTrace trace = new();
        using ConsoleStreams console = new();
        try
        {
            return new ScriptRunner(console, trace).Run(request);
        }
        catch (FileNotFoundException e) when (e.Message.Contains("DiskTools", StringComparison.Ordinal))
        {
            console.ErrorLine($"disktools: {e.Message}", "91");
            return 1;
        }
    }

    private static string VersionText()
    {
        string launcher = typeof(Program).Assembly.GetName().Version?.ToString(3) ?? "?";
        string engine = typeof(PSObject).Assembly.GetName().Version?.ToString(3) ?? "?";
        string module;
        try
        {
            string manifest = ModuleLocator.FindManifest();
            module = $"{Path.GetFileName(Path.GetDirectoryName(manifest))} at {Path.GetDirectoryName(manifest)}";
        }
        catch (FileNotFoundException)
        {
            module = "not found";
        }

        return $"disktools {launcher}\nDiskTools module {module}\nPowerShell engine {engine}";
    }
}
