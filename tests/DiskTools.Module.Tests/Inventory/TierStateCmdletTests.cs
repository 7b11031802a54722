using System.Management.Automation;
using DiskTools.Module.Tests.Infrastructure;
using DiskTools.TestFixtures;
using Xunit;

namespace DiskTools.Module.Tests.Inventory;

/// <summary>
/// What the inventory knows is visible and settable from PowerShell, against the real PostgreSQL: access
/// columns and tier states on FileRecord, Set-FileTierState, the unmatched-event queue, far-future mtimes,
/// per-root -Last and pattern errors; views that also render deserialized objects.
/// </summary>
public sealed class TierStateCmdletTests : IClassFixture<ModuleSessionFixture>, IDisposable
{
    private readonly ModuleSession session;
    private readonly string connection = PostgresCluster.Shared.CreateDatabase();
    private readonly string root = Path.Combine(Path.GetTempPath(), "dt-tier-" + Guid.NewGuid().ToString("N")[..8]);

    public TierStateCmdletTests(ModuleSessionFixture fixture)
    {
        session = fixture.Session;
        Directory.CreateDirectory(root);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    private InvocationResult Run(string script, params object?[] args)
        => session.Invoke("param($c) $PSDefaultParameterValues['*:ConnectionString'] = $c; " + script, [connection, .. args]);

    private void Import(params string[] rows)
    {
        string csv = Path.Combine(root, "baseline-" + Guid.NewGuid().ToString("N")[..6] + ".csv");
        File.WriteAllLines(csv, new[] { "path,size,modified,accessed" }.Concat(rows));
        InvocationResult result = Run("Import-FileInventory -Path $args[0] -Root $args[1]", csv, root);
        Assert.Empty(result.Errors);
    }

    private static string Event(string action, string path, DateTime when)
        => $$$"""{"timestamp":{{{(when.Ticks - DateTime.UnixEpoch.Ticks) / 10}}},"user":{"name":"ann"},"operation":{"action":"{{{action}}}","entryPath":"{{{path}}}"}}""";

    [SkippableFact]
    public void A_record_shows_its_access_history_and_tier_state_and_the_state_is_set_from_the_pipeline()
    {
        Prerequisite.Require(Directory.Exists("/usr/lib/postgresql"), "PostgreSQL server binaries");
        Import("cold.mov,10,2025-01-01T00:00:00Z,2025-02-01T00:00:00Z", "hot.txt,10,2025-01-01T00:00:00Z,2025-02-01T00:00:00Z");
        var when = new DateTime(2025, 11, 29, 14, 31, 0, DateTimeKind.Utc);
        string dir = Path.Combine(root, ".lucid_audit", "n1", "2025", "11");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "2025-11-29T14.30.22Z.log"), Event("FileRead", "/hot.txt", when) + "\n" + Event("FileRead", "/hot.txt", when.AddSeconds(1)) + "\n" + Event("FileRead", "/nowhere.txt", when) + "\n");
        Assert.Empty(Run("Watch-LucidAudit -Path $args[0] -Once -WarningAction SilentlyContinue", root).Errors);

        PSObject hot = Assert.Single(Run("Get-FileRecord $args[0] -Filter 'hot.txt'", root).Output);
        Assert.Equal((2L, "lucidlink_audit", "none"), ((long)hot.Properties["AccessCount"].Value, (string)hot.Properties["LastAccessedSource"].Value, (string)hot.Properties["TierState"].Value));
        Assert.Equal(new DateTimeOffset(when.AddSeconds(1)), (DateTimeOffset)hot.Properties["LastAccessed"].Value);

        // -WhatIf changes nothing; then the pipeline sets it, and -PassThru shows the record after the change.
        Assert.Empty(Run("Get-FileRecord $args[0] -Filter '*.mov' | Set-FileTierState -State Planned -WhatIf", root).Output);
        Assert.Equal("none", Assert.Single(Run("Get-FileRecord $args[0] -Filter '*.mov'", root).Output).Properties["TierState"].Value);
        InvocationResult set = Run("Get-FileRecord $args[0] -Filter '*.mov' | Set-FileTierState -State Stubbed -PassThru -Confirm:$false", root);
        Assert.Empty(set.Errors);
        Assert.Equal("stubbed", Assert.Single(set.Output).Properties["TierState"].Value);
        Assert.Equal("stubbed", Assert.Single(Run("Get-FileRecord $args[0] -Filter '*.mov'", root).Output).Properties["TierState"].Value);

        // By root and relative path; a path without a record is its own error, the others still change.
        InvocationResult byPath = Run("Set-FileTierState -Path $args[0] -FilePath 'hot.txt', 'missing.txt' -State Rehydrated -PassThru", root);
        Assert.Equal("rehydrated", Assert.Single(byPath.Output).Properties["TierState"].Value);
        ErrorRecord missing = Assert.Single(byPath.Errors);
        Assert.StartsWith("FileRecordNotFound", missing.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.ObjectNotFound, missing.CategoryInfo.Category);
        Assert.Equal(root + "/missing.txt", missing.TargetObject);

        // The unmatched-event queue, from PowerShell.
        PSObject unmatched = Assert.Single(Run("Get-UnmatchedAuditEvent $args[0]", root).Output);
        Assert.Equal(("nowhere.txt", "FileRead", "n1", 3L), ((string)unmatched.Properties["EntryPath"].Value, (string)unmatched.Properties["Action"].Value, (string)unmatched.Properties["NodeId"].Value, (long)unmatched.Properties["LineNumber"].Value));
    }

    /// <summary>
    /// Every column of a view in the module's format file, evaluated for one object as the table would
    /// (a property by name, a script block with $_ set), as text; errors become a failure.
    /// </summary>
    private string[] Columns(string viewName, string script, params object?[] args)
    {
        InvocationResult result = Run(script + """

            $view = ([xml][System.IO.File]::ReadAllText([System.IO.Path]::Combine([System.IO.Path]::GetDirectoryName((Get-Module DiskTools).Path), 'DiskTools.format.ps1xml'))).Configuration.ViewDefinitions.View |
                Where-Object Name -eq $viewName
            foreach ($o in $objects) {
                '#' + ($view.ViewSelectedBy.TypeName -contains $o.PSTypeNames[0])
                foreach ($item in $view.TableControl.TableRowEntries.TableRowEntry.TableColumnItems.TableColumnItem) {
                    if ($item.PropertyName) { "$($o.($item.PropertyName))" }
                    else { "$($o | ForEach-Object ([scriptblock]::Create($item.ScriptBlock)))" }
                }
            }
            """.Replace("$viewName", "'" + viewName + "'", StringComparison.Ordinal), args);
        Assert.Empty(result.Errors);
        Assert.Null(result.Terminating);
        return result.Output.Select(o => o.ToString()).ToArray();
    }

    [SkippableFact]
    public void The_views_render_live_and_deserialized_records_alike_including_mtimes_past_2262()
    {
        Prerequisite.Require(Directory.Exists("/usr/lib/postgresql"), "PostgreSQL server binaries");
        Import("far.txt,1,2300-06-01T12:00:00Z,2025-02-01T00:00:00Z");

        string[] columns = Columns("FileRecord", """
            $r = Get-FileRecord $args[0]
            $d = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($r))
            if ($d.PSTypeNames[0] -ne 'Deserialized.DiskTools.Engine.Reconciliation.FileRecord') { throw "not deserialized: $($d.PSTypeNames[0])" }
            $objects = @($r, $d)
            """, root);

        // The view selects both, and shows both alike, column by column.
        int half = columns.Length / 2;
        string[] live = columns[..half], deserialized = columns[half..];
        Assert.Equal(["#True", "#True"], [live[0], deserialized[0]]);
        Assert.Equal(live, deserialized);
        string local = new DateTimeOffset(2300, 6, 1, 12, 0, 0, TimeSpan.Zero).LocalDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains(local, live);
        Assert.Contains("none", live);
        Assert.Contains(live, c => c.StartsWith("2025-0", StringComparison.Ordinal));
        Assert.Contains(live, c => c.EndsWith("/far.txt", StringComparison.Ordinal));
    }

    [SkippableFact]
    public void The_operation_and_import_views_render_deserialized_objects_alike()
    {
        Prerequisite.Require(Directory.Exists("/usr/lib/postgresql"), "PostgreSQL server binaries");
        File.WriteAllText(Path.Combine(root, "f"), "x");
        Assert.Empty(Run("Invoke-Reconciliation -Path $args[0] -NoHash", root).Errors);
        foreach (string view in new[] { "ReconciliationOperation", "ReconciliationStatus" })
        {
            string command = view == "ReconciliationOperation" ? "Get-ReconciliationOperation $args[0] -Last 1" : "Get-ReconciliationStatus $args[0]";
            string[] columns = Columns(view, "$r = " + command + """

                $d = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($r))
                $objects = @($r, $d)
                """, root);
            int half = columns.Length / 2;
            Assert.Equal("#True", columns[half]);
            Assert.Equal(columns[..half], columns[half..]);
            Assert.Contains(columns[..half], c => System.Text.RegularExpressions.Regex.IsMatch(c, @"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"));
        }
    }

    [SkippableFact]
    public void Get_ReconciliationOperation_Last_counts_per_root_and_a_bad_filter_is_a_clear_pattern_error()
    {
        Prerequisite.Require(Directory.Exists("/usr/lib/postgresql"), "PostgreSQL server binaries");
        string one = Path.Combine(root, "one"), two = Path.Combine(root, "two");
        Directory.CreateDirectory(one);
        Directory.CreateDirectory(two);
        File.WriteAllText(Path.Combine(one, "a"), "a");
        File.WriteAllText(Path.Combine(two, "b"), "b");
        for (int i = 0; i < 3; i++)
        {
            Assert.Empty(Run("Invoke-Reconciliation -Path $args[0] -NoHash", one).Errors);
        }

        Assert.Empty(Run("Invoke-Reconciliation -Path $args[0] -NoHash", two).Errors);

        InvocationResult latest = Run("Get-ReconciliationOperation -Last 1");
        Assert.Equal(2, latest.Output.Count);
        Assert.Equal(2, latest.Output.Select(o => o.Properties["RootId"].Value).Distinct().Count());
        Assert.Equal(4, Run("Get-ReconciliationOperation -Last 3").Output.Count);

        InvocationResult bad = Run("Get-FileRecord -Filter '['");
        ErrorRecord error = bad.Terminating?.ErrorRecord ?? Assert.Single(bad.Errors);
        Assert.StartsWith("InvalidFilterPattern", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Contains("-Filter pattern '['", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("no ']' closes", error.Exception.Message, StringComparison.Ordinal);
    }
}
