using System.Reflection;
using System.Runtime.Loader;
using DiskTools.Module.Tests.Infrastructure;
using Xunit;

namespace DiskTools.Module.Tests;

/// <summary>
/// This test project references YamlDotNet 13 and loads it into the default context before DiskTools is
/// imported, as another module in the same session would; the test fixtures put another copy of Npgsql
/// there too. DiskTools must still use its own copies, and its own types must still be nameable.
/// </summary>
public sealed class DependencyIsolationTests
{
    [Fact]
    public void Module_uses_its_own_copies_when_another_version_is_already_loaded()
    {
        Assembly foreign = typeof(YamlDotNet.Serialization.Deserializer).Assembly;
        Assert.Same(AssemblyLoadContext.Default, AssemblyLoadContext.GetLoadContext(foreign));
        Assert.Equal(13, foreign.GetName().Version!.Major);

        using var session = new ModuleSession();
        InvocationResult result = session.Invoke("Get-DiskToolsDependency");

        Assert.Empty(result.Errors);
        var yaml = result.Output.Single(o => (string)o.Properties["Name"].Value == "YamlDotNet");
        Assert.Equal("DiskTools", yaml.Properties["LoadContext"].Value);
        Assert.True(((Version)yaml.Properties["Version"].Value).Major >= 16);
        Assert.StartsWith(Path.GetDirectoryName(session.ManifestPath)!, (string)yaml.Properties["Location"].Value, StringComparison.Ordinal);

        var npgsql = result.Output.Single(o => (string)o.Properties["Name"].Value == "Npgsql");
        Assert.Equal("DiskTools", npgsql.Properties["LoadContext"].Value);
        Assert.StartsWith(Path.GetDirectoryName(session.ManifestPath)!, (string)npgsql.Properties["Location"].Value, StringComparison.Ordinal);
        Assert.Same(AssemblyLoadContext.Default, AssemblyLoadContext.GetLoadContext(typeof(Npgsql.NpgsqlConnection).Assembly));

        InvocationResult named = session.Invoke("[DiskTools.Engine.Diagnostics.DependencyInfo].FullName; (Get-DiskToolsDependency)[0] -is [DiskTools.Engine.Diagnostics.DependencyInfo]");
        Assert.Empty(named.Errors);
        Assert.Equal(["DiskTools.Engine.Diagnostics.DependencyInfo", "True"], named.Output.Select(o => o.ToString()));

        // The older copy is still the one the default context hands out.
        Assert.Equal(13, Type.GetType("YamlDotNet.Serialization.Deserializer, YamlDotNet")!.Assembly.GetName().Version!.Major);
    }
}
