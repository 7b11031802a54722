using System.Management.Automation;
using DiskTools.Module.Tests.Infrastructure;
using Xunit;

namespace DiskTools.Module.Tests.Sync;

public sealed class SyncConfigCommandTests : IClassFixture<ModuleSessionFixture>, IDisposable
{
    private readonly ModuleSession session;
    private readonly string dir = Directory.CreateTempSubdirectory("disktools-newcfg-").FullName;

    public SyncConfigCommandTests(ModuleSessionFixture fixture) => session = fixture.Session;

    public void Dispose() => Directory.Delete(dir, true);

    [Fact]
    public void New_SyncConfig_writes_a_commented_default_and_refuses_to_overwrite_without_Force()
    {
        string path = Path.Combine(dir, "nested", "sync.yaml");
        InvocationResult whatIf = session.Invoke("New-SyncConfig -Path $args[0] -WhatIf", path);
        Assert.Empty(whatIf.Output);
        Assert.False(File.Exists(path));

        InvocationResult created = session.Invoke("New-SyncConfig -Path $args[0]", path);
        Assert.Empty(created.Errors);
        Assert.Equal(path, ((FileInfo)Assert.Single(created.Output).BaseObject).FullName);
        string text = File.ReadAllText(path);
        Assert.Contains("preflight_minimum: 20%", text, StringComparison.Ordinal);
        Assert.Contains("# ", text, StringComparison.Ordinal);

        File.WriteAllText(path, "mine");
        InvocationResult refused = session.Invoke("New-SyncConfig -Path $args[0]", path);
        ErrorRecord error = Assert.Single(refused.Errors);
        Assert.StartsWith("SyncConfigExists", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.ResourceExists, error.CategoryInfo.Category);
        Assert.Equal(path, error.TargetObject);
        Assert.Equal("mine", File.ReadAllText(path));

        Assert.Empty(session.Invoke("New-SyncConfig -Path $args[0] -Force", path).Errors);
        Assert.NotEqual("mine", File.ReadAllText(path));
    }

    [Fact]
    public void Get_SyncSession_reports_an_unknown_id()
    {
        InvocationResult result = session.Invoke("Get-SyncSession -SessionId 0badf00d");
        ErrorRecord error = Assert.Single(result.Errors);
        Assert.StartsWith("SyncSessionNotFound", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal("0badf00d", error.TargetObject);
    }

    [Fact]
    public void Every_parameter_of_the_sync_cmdlets_is_documented()
    {
        foreach (string cmdlet in new[] { "Start-SyncSession", "Get-SyncSession", "New-SyncConfig" })
        {
            string page = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "en-US", cmdlet + ".md"));
            InvocationResult names = session.Invoke("(Get-Command $args[0]).Parameters.Keys", cmdlet);
            string[] common = [.. PSCmdlet.CommonParameters, .. PSCmdlet.OptionalCommonParameters];
            foreach (string name in names.Output.Select(o => o.ToString()).Where(n => !common.Contains(n)))
            {
                Assert.Contains($"### -{name}", page, StringComparison.Ordinal);
            }
        }
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "DiskTools.sln")))
            {
                return d.FullName;
            }
        }

        throw new InvalidOperationException("repository root not found");
    }
}
