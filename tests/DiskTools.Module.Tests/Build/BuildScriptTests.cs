using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;
using DiskTools.Module.Tests.Infrastructure;
using Xunit;

namespace DiskTools.Module.Tests.Build;

/// <summary>
/// build.ps1 must run where only the disktools launcher is available (core cmdlets and .NET calls only).
/// Package reuses the module the test run already imports (-NoBuild), so this costs seconds, not a build.
/// </summary>
public sealed class BuildScriptTests : IDisposable
{
    private readonly string packageDirectory = Directory.CreateTempSubdirectory("disktools-package-").FullName;

    [Fact]
    public void Package_task_run_by_the_launcher_writes_an_installable_nupkg()
    {
        string manifest = ModuleSession.LocateManifest();
        string version = Path.GetFileName(Path.GetDirectoryName(manifest)!);

        (int exitCode, string stdout, string stderr) = RunLauncher(
            "-File", Path.Combine(RepositoryPaths.Root, "build.ps1"),
            "-Task", "Package", "-NoBuild",
            "-OutputPath", ModuleSession.OutputDirectory,
            "-PackagePath", packageDirectory);

        Assert.True(exitCode == 0, $"build.ps1 exited {exitCode}\nstdout: {stdout}\nstderr: {stderr}");
        string package = Path.Combine(packageDirectory, $"DiskTools.{version}.nupkg");
        Assert.True(File.Exists(package), $"no {package}; found: {string.Join(", ", Directory.GetFiles(packageDirectory))}\nstderr: {stderr}");

        using ZipArchive zip = ZipFile.OpenRead(package);
        string[] entries = [.. zip.Entries.Select(e => e.FullName)];

        // Install-PSResource copies the package root as the module folder, so the module files sit there.
        Assert.Contains("DiskTools.psd1", entries);
        Assert.Contains("DiskTools.psm1", entries);
        Assert.Contains("bin/DiskTools.dll", entries);
        Assert.Contains("bin/DiskTools.Loader.dll", entries);
        Assert.Contains("en-US/DiskTools.dll-Help.xml", entries);
        Assert.Contains("en-US/about_DiskTools.help.txt", entries);
        Assert.Equal(File.ReadAllText(manifest), ReadText(zip, "DiskTools.psd1"));

        XNamespace ns = "http://schemas.microsoft.com/packaging/2011/08/nuspec.xsd";
        XElement metadata = XDocument.Parse(ReadText(zip, "DiskTools.nuspec")).Root!.Element(ns + "metadata")!;
        Assert.Equal("DiskTools", metadata.Element(ns + "id")?.Value);
        Assert.Equal(version, metadata.Element(ns + "version")?.Value);
        Assert.False(string.IsNullOrWhiteSpace(metadata.Element(ns + "authors")?.Value));
        Assert.False(string.IsNullOrWhiteSpace(metadata.Element(ns + "description")?.Value));
        string[] tags = metadata.Element(ns + "tags")!.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("PSModule", tags);
        foreach (string cmdlet in ManifestText.CmdletsToExport(manifest))
        {
            Assert.Contains($"PSCmdlet_{cmdlet}", tags);
            Assert.Contains($"PSCommand_{cmdlet}", tags);
        }
    }

    private static string ReadText(ZipArchive zip, string entryName)
    {
        ZipArchiveEntry entry = zip.GetEntry(entryName) ?? throw new InvalidOperationException($"{entryName} is not in the package");
        using var reader = new StreamReader(entry.Open());
        return reader.ReadToEnd();
    }

    private static (int ExitCode, string Stdout, string Stderr) RunLauncher(params string[] arguments)
    {
        var start = new ProcessStartInfo(ModuleSession.LauncherPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryPaths.Root,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("build.ps1 -Task Package did not finish within 2 minutes");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    public void Dispose() => Directory.Delete(packageDirectory, recursive: true);
}
