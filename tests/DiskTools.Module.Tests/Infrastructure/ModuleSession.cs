using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace DiskTools.Module.Tests.Infrastructure;

/// <summary>
/// A runspace with DiskTools imported from the build output, exactly as a user imports it
/// (Import-Module on output/DiskTools/&lt;version&gt;/DiskTools.psd1). One per test class.
/// </summary>
public sealed class ModuleSession : IDisposable
{
    private readonly Runspace runspace;

    public ModuleSession()
    {
        ManifestPath = LocateManifest();
        runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        runspace.Open();
        InvocationResult import = Invoke("Import-Module -Name $args[0] -PassThru -ErrorAction Stop", ManifestPath);
        if (import.Errors.Count > 0 || import.Output.Count != 1)
        {
            throw new InvalidOperationException($"Import-Module failed: {string.Join("; ", import.Errors)}");
        }
    }

    public string ManifestPath { get; }

    public Runspace Runspace => runspace;

    /// <summary>The build output folder: $DISKTOOLS_OUTPUT, or output/ at the repository root.</summary>
    public static string OutputDirectory
    {
        get
        {
            string? fromEnv = Environment.GetEnvironmentVariable("DISKTOOLS_OUTPUT");
            if (!string.IsNullOrEmpty(fromEnv))
            {
                return fromEnv;
            }

            for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "DiskTools.sln")))
                {
                    return Path.Combine(dir.FullName, "output");
                }
            }

            throw new InvalidOperationException("Cannot find the build output; run ./build.sh build first.");
        }
    }

    /// <summary>The launcher published by the build.</summary>
    public static string LauncherPath => Path.Combine(OutputDirectory, "launcher", "disktools");

    public static string LocateManifest()
    {
        string moduleRoot = Path.Combine(OutputDirectory, "DiskTools");
        string? newest = Directory.Exists(moduleRoot)
            ? Directory.EnumerateDirectories(moduleRoot).Where(d => Version.TryParse(Path.GetFileName(d), out _))
                .OrderByDescending(d => Version.Parse(Path.GetFileName(d))).FirstOrDefault()
            : null;
        string manifest = newest is null ? string.Empty : Path.Combine(newest, "DiskTools.psd1");
        return File.Exists(manifest)
            ? manifest
            : throw new InvalidOperationException($"No built module under {moduleRoot}; run ./build.sh build first.");
    }

    /// <summary>Runs a script; <paramref name="args"/> become $args. Collects every stream.</summary>
    public InvocationResult Invoke(string script, params object?[] args)
    {
        using PowerShell ps = PowerShell.Create(runspace);
        ps.AddScript(script);
        foreach (object? arg in args)
        {
            ps.AddArgument(arg);
        }

        return InvocationResult.Run(ps);
    }

    /// <summary>Starts a script without waiting, for tests that stop a running pipeline.</summary>
    public (PowerShell Shell, IAsyncResult Pending) Start(string script, params object?[] args)
    {
        PowerShell ps = PowerShell.Create(runspace);
        ps.AddScript(script);
        foreach (object? arg in args)
        {
            ps.AddArgument(arg);
        }

        return (ps, ps.BeginInvoke());
    }

    public void Dispose() => runspace.Dispose();
}

/// <summary>Everything one invocation produced.</summary>
public sealed record InvocationResult(
    Collection<PSObject> Output,
    IReadOnlyList<ErrorRecord> Errors,
    IReadOnlyList<ProgressRecord> Progress,
    IReadOnlyList<WarningRecord> Warnings,
    IReadOnlyList<VerboseRecord> Verbose,
    IReadOnlyList<InformationRecord> Information,
    RuntimeException? Terminating)
{
    public static InvocationResult Run(PowerShell ps)
    {
        Collection<PSObject> output;
        RuntimeException? terminating = null;
        try
        {
            output = ps.Invoke();
        }
        catch (RuntimeException e)
        {
            output = [];
            terminating = e;
        }

        return new InvocationResult(
            output,
            [.. ps.Streams.Error],
            [.. ps.Streams.Progress],
            [.. ps.Streams.Warning],
            [.. ps.Streams.Verbose],
            [.. ps.Streams.Information],
            terminating)
        {
            Debug = [.. ps.Streams.Debug],
        };
    }

    public IReadOnlyList<DebugRecord> Debug { get; init; } = [];

    /// <summary>Base objects of the output, for typed assertions.</summary>
    public IEnumerable<object> BaseObjects => Output.Select(o => o.BaseObject);
}
