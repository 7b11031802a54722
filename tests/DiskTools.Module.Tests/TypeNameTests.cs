using System.Text.RegularExpressions;
using System.Xml.Linq;
using DiskTools.Module.Tests.Infrastructure;
using Xunit;

namespace DiskTools.Module.Tests;

/// <summary>
/// DiskTools' types live in a private load context; scripts must still be able to name them: type literals,
/// -is, -as, casts, typed parameters and enum literals, and every type name the views and docs use.
/// </summary>
public sealed partial class TypeNameTests : IClassFixture<ModuleSessionFixture>, IDisposable
{
    private readonly ModuleSession session;
    private readonly string root;

    public TypeNameTests(ModuleSessionFixture fixture)
    {
        session = fixture.Session;
        root = Path.Combine(Path.GetTempPath(), "dt-types-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(root, "sub"));
        File.WriteAllBytes(Path.Combine(root, "sub", "file.bin"), new byte[10_000]);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void Every_public_type_of_the_module_resolves_by_its_full_name_to_that_type()
    {
        // The assemblies are reached through the cmdlets, as a user could, never referenced by the test.
        InvocationResult result = session.Invoke("""
            $module = (Get-Command Get-DiskUsage).ImplementingType.Assembly
            $engine = $module.GetReferencedAssemblies() | Where-Object Name -EQ 'DiskTools.Engine' |
                ForEach-Object { [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($module).LoadFromAssemblyName($_) }
            $types = @($module.GetExportedTypes()) + @($engine.GetExportedTypes())
            [pscustomobject]@{
                Count = $types.Count
                Unresolved = @($types | Where-Object { ($_.FullName -as [type]) -ne $_ } | ForEach-Object FullName)
                EngineContext = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine).Name
            }
            """);

        Assert.Empty(result.Errors);
        dynamic report = result.Output.Single();
        Assert.True((int)report.Count > 100, $"only {report.Count} public types found");
        Assert.Empty((object[])report.Unresolved);
        Assert.Equal("DiskTools", (string)report.EngineContext); // resolvable, and still private
    }

    [Fact]
    public void Scripts_can_test_cast_and_bind_output_objects_by_type_name()
    {
        InvocationResult result = session.Invoke("""
            $entry = Get-DiskUsage -LiteralPath $args[0] -Depth 0
            $session = Get-DiskUsage -LiteralPath $args[0] -AsSession
            function Measure-Entry([DiskTools.Engine.DiskUsage.DiskUsageEntry] $Entry) { $Entry.Size }
            [pscustomobject]@{
                EntryIs = $entry -is [DiskTools.Engine.DiskUsage.DiskUsageEntry]
                SessionIs = $session -is [DiskTools.Engine.DiskUsage.ScanSession]
                NotSession = $entry -is [DiskTools.Engine.DiskUsage.ScanSession]
                Cast = ([DiskTools.Engine.DiskUsage.DiskUsageEntry] $entry).Path
                As = ('DiskTools.Engine.DiskUsage.ScanSession' -as [type]).FullName
                TypedParameter = Measure-Entry $entry
                Array = ([DiskTools.Engine.DiskUsage.DiskUsageEntry[]] @($entry, $entry)).GetType().FullName
                Generic = [System.Collections.Generic.List[DiskTools.Engine.Btrfs.BtrfsSnapshot]]::new().GetType().GenericTypeArguments[0].FullName
            }
            """, root);

        Assert.Empty(result.Errors);
        Assert.Null(result.Terminating);
        dynamic r = result.Output.Single();
        Assert.True((bool)r.EntryIs);
        Assert.True((bool)r.SessionIs);
        Assert.False((bool)r.NotSession);
        Assert.Equal(root, (string)r.Cast);
        Assert.Equal("DiskTools.Engine.DiskUsage.ScanSession", (string)r.As);
        Assert.True((long)r.TypedParameter >= 10_000);
        Assert.Equal("DiskTools.Engine.DiskUsage.DiskUsageEntry[]", (string)r.Array);
        Assert.Equal("DiskTools.Engine.Btrfs.BtrfsSnapshot", (string)r.Generic);
    }

    [Fact]
    public void Enum_literals_bind_to_parameters_and_compare_with_output()
    {
        InvocationResult result = session.Invoke("""
            $strategy = [DiskTools.Engine.Traversal.WalkStrategy]::Sequential
            $entry = Get-DiskUsage -LiteralPath $args[0] -Depth 0 -Strategy $strategy
            [pscustomobject]@{
                Strategy = $strategy.ToString()
                Names = [enum]::GetNames([DiskTools.Engine.Btrfs.SnapshotPhase]) -join ','
                Kind = $entry.Kind -eq [DiskTools.Engine.DiskUsage.DiskUsageEntryKind]::Directory
                Converted = ([DiskTools.Engine.Traversal.WalkStrategy] 'Parallel').ToString()
                Former = (Get-DiskUsage -LiteralPath $args[0] -Depth 0 -Strategy Legacy -AsSession).Strategy.ToString()
            }
            """, root);

        Assert.Empty(result.Errors);
        dynamic r = result.Output.Single();
        Assert.Equal("Sequential", (string)r.Strategy);
        Assert.Equal("PreSync,PostSync,Manual", (string)r.Names);
        Assert.True((bool)r.Kind);
        Assert.Equal("Parallel", (string)r.Converted);
        Assert.Equal("Sequential", (string)r.Former);
    }

    [Fact]
    public void Every_type_name_in_the_views_and_docs_resolves()
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        string module = Path.Combine(RepositoryPaths.Root, "module");
        foreach (string view in Directory.GetFiles(module, "*.ps1xml"))
        {
            foreach (XElement typeName in XDocument.Load(view).Descendants().Where(e => e.Name.LocalName is "TypeName" or "Name" && e.Parent?.Name.LocalName is "TypeName" or "Type" or "ViewSelectedBy" or "SelectionCondition"))
            {
                string name = typeName.Value.Trim();
                if (name.StartsWith("DiskTools.", StringComparison.Ordinal) || name.StartsWith("Deserialized.DiskTools.", StringComparison.Ordinal))
                {
                    names.Add(name.Replace("Deserialized.", string.Empty, StringComparison.Ordinal));
                }
            }
        }

        IEnumerable<string> pages = Directory.GetFiles(RepositoryPaths.HelpPages, "*.md")
            .Append(Path.Combine(RepositoryPaths.Root, "README.md"))
            .Append(Path.Combine(module, "en-US", "about_DiskTools.help.txt"));
        foreach (string page in pages)
        {
            foreach (Match match in DocumentedTypeName().Matches(File.ReadAllText(page)))
            {
                names.Add(match.Groups["name"].Value);
            }
        }

        Assert.Contains("DiskTools.Engine.DiskUsage.DiskUsageEntry", names);
        Assert.Contains("DiskTools.Engine.LucidAudit.WarmingEvent", names);
        InvocationResult result = session.Invoke("$args | Where-Object { -not ($_ -as [type]) }", [.. names]);
        Assert.Empty(result.Errors);
        Assert.Empty(result.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void Parameter_types_in_the_docs_are_the_short_names_of_the_real_ones()
    {
        // platyPS spells a parameter's type by its short name (Nullable<T> as T, arrays as T[]).
        InvocationResult result = session.Invoke("""
            foreach ($command in Get-Command -Module DiskTools -CommandType Cmdlet) {
                $page = Get-Content -Raw -LiteralPath (Join-Path $args[0] "$($command.Name).md")
                foreach ($m in [regex]::Matches($page, '(?ms)^### -(\w+)\s*$.*?^Type: (\S+)\s*$')) {
                    $parameter = $command.Parameters[$m.Groups[1].Value]
                    if (-not $parameter) { continue }
                    $type = $parameter.ParameterType
                    $type = [Nullable]::GetUnderlyingType($type) ?? $type
                    $name = if ($type.IsArray) { $type.GetElementType().Name + '[]' } else { $type.Name }
                    [pscustomobject]@{ Where = "$($command.Name) -$($parameter.Name)"; Documented = $m.Groups[2].Value; Actual = $name }
                }
            }
            """, RepositoryPaths.HelpPages);

        Assert.Empty(result.Errors);
        Assert.Contains(result.Output, o => (string)o.Properties["Documented"].Value == "WalkStrategy");
        string[] mismatches = [.. result.Output
            .Where(o => !Equals(o.Properties["Documented"].Value, o.Properties["Actual"].Value))
            .Select(o => $"{o.Properties["Where"].Value}: documented {o.Properties["Documented"].Value}, is {o.Properties["Actual"].Value}")];
        Assert.Empty(mismatches);
    }

    /// <summary>A type literal ([DiskTools.X.Y]) or an INPUTS/OUTPUTS heading (### DiskTools.X.Y) naming a DiskTools type.</summary>
    [GeneratedRegex(@"(?:\[|^###\s+)(?<name>DiskTools(?:\.[A-Z][A-Za-z0-9]*)+)(?:\[\])?(?:\]|\s*$)", RegexOptions.Multiline)]
    private static partial Regex DocumentedTypeName();
}
