using DiskTools.Module.Tests.Infrastructure;
using Xunit;

namespace DiskTools.Module.Tests;

public sealed class ModuleImportTests : IClassFixture<ModuleSessionFixture>
{
    private readonly ModuleSession session;

    public ModuleImportTests(ModuleSessionFixture fixture) => session = fixture.Session;

    [Fact]
    public void Manifest_exports_exactly_what_the_module_defines()
    {
        InvocationResult result = session.Invoke("(Get-Module DiskTools).ExportedCmdlets.Keys");
        string[] exported = result.Output.Select(o => o.ToString()).Order().ToArray();
        Assert.Empty(result.Errors);
        Assert.Equal(ManifestText.CmdletsToExport(session.ManifestPath).Order(), exported);
        Assert.Contains("Get-DiskToolsDependency", exported);
    }

    [Fact]
    public void Module_is_loaded_from_the_build_output()
    {
        InvocationResult result = session.Invoke("(Get-Module DiskTools).ModuleBase");
        Assert.Equal(Path.GetDirectoryName(session.ManifestPath), result.Output.Single().ToString());
    }

    [Fact]
    public void About_topic_is_found_by_Get_Help()
    {
        InvocationResult result = session.Invoke("Get-Help about_DiskTools");
        Assert.Empty(result.Errors);
        Assert.Contains("private assembly load context", string.Join("\n", result.Output), StringComparison.Ordinal);
    }
}

public sealed class ModuleSessionFixture : IDisposable
{
    public ModuleSession Session { get; } = new();

    public void Dispose() => Session.Dispose();
}
