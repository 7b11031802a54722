using System.Management.Automation;
using DiskTools.Module.Tests.Infrastructure;
using DiskTools.TestFixtures;
using Xunit;

namespace DiskTools.Module.Tests;

/// <summary>Import-FileInventory and Watch-LucidAudit as a user runs them, against the real PostgreSQL.</summary>
public sealed class AccessTrackingCmdletTests : IClassFixture<ModuleSessionFixture>, IClassFixture<PostgresDatabase>, IDisposable
{
    private const string Begin = "2025-11-29T14.30.22Z";
    private readonly ModuleSession session;
    private readonly PostgresDatabase database;
    private readonly string root = Path.Combine(Path.GetTempPath(), "dt-lucid-" + Guid.NewGuid().ToString("N"));

    public AccessTrackingCmdletTests(ModuleSessionFixture fixture, PostgresDatabase database)
    {
        session = fixture.Session;
        this.database = database;
        Directory.CreateDirectory(root);
    }

    private static string Event(string action, string path, DateTime when, string user = "ann")
        => $$$"""{"timestamp":{{{(when.Ticks - DateTime.UnixEpoch.Ticks) / 10}}},"user":{"name":"{{{user}}}"},"operation":{"action":"{{{action}}}","entryPath":"{{{path}}}"}}""";

    private string WriteLog(string node, params string[] lines)
    {
        string dir = Path.Combine(root, ".lucid_audit", node, "2025", "11");
        Directory.CreateDirectory(dir);
        string log = Path.Combine(dir, Begin + ".log.active");
        File.AppendAllText(log, string.Concat(lines.Select(l => l + "\n")));
        return log;
    }

    private InvocationResult ImportBaseline(params string[] rows)
    {
        string csv = Path.Combine(root, "baseline.csv");
        File.WriteAllLines(csv, new[] { "path,size,modified,accessed" }.Concat(rows));
        return session.Invoke("Import-FileInventory -Path $args[0] -Root $args[1] -ConnectionString $args[2]", csv, root, database.ConnectionString);
    }

    [SkippableFact]
    public void Import_reports_each_bad_row_with_its_line_and_imports_the_rest()
    {
        InvocationResult result = ImportBaseline(
            "a.txt,10,2025-01-01T00:00:00Z,2025-02-01T00:00:00Z",
            "b.txt,minus-one,2025-01-01T00:00:00Z,",
            "\"multi\nline.txt\",5,1735689600,1735689600",
            "/elsewhere/c.txt,5,2025-01-01,2025-01-01",
            "d.txt,5,not-a-date,");

        PSObject output = Assert.Single(result.Output);
        Assert.Equal("DiskTools.Engine.InventoryImport.InventoryImportResult", output.BaseObject.GetType().FullName);
        Assert.Equal((5L, 2L, 3L), ((long)output.Properties["RowsRead"].Value, (long)output.Properties["Inserted"].Value, (long)output.Properties["Skipped"].Value));
        Assert.Equal(3, result.Errors.Count);
        Assert.All(result.Errors, e =>
        {
            Assert.Equal("InventoryImportRowInvalid,DiskTools.Commands.Inventory.ImportFileInventoryCommand", e.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidData, e.CategoryInfo.Category);
            Assert.Equal(Path.Combine(root, "baseline.csv"), e.TargetObject);
        });
        Assert.Equal(["line 3:", "line 6:", "line 7:"], result.Errors.Select(e => e.Exception.Message.Split(' ')[1..3]).Select(w => string.Join(' ', w)));
    }

    [SkippableFact]
    public void Import_with_WhatIf_writes_nothing()
    {
        string csv = Path.Combine(root, "whatif.csv");
        File.WriteAllLines(csv, ["path,size,modified", "x.txt,1,2025-01-01"]);
        InvocationResult result = session.Invoke("Import-FileInventory -Path $args[0] -Root $args[1] -ConnectionString $args[2] -WhatIf", csv, root, database.ConnectionString);
        Assert.Empty(result.Output);
        Assert.Empty(result.Errors);
    }

    [SkippableFact]
    public void One_pass_writes_a_typed_result_warming_events_and_malformed_line_errors()
    {
        Assert.Empty(ImportBaseline("cold.mov,10,2025-01-01,2025-01-01", "hot.txt,10,2025-01-01,2025-01-01").Errors);
        using (var connection = database.Open())
        using (var command = new Npgsql.NpgsqlCommand("UPDATE file_records SET tier_state = 'stubbed' WHERE file_path = 'cold.mov'", connection))
        {
            command.ExecuteNonQuery();
        }

        var when = new DateTime(2025, 11, 29, 14, 31, 0, DateTimeKind.Utc);
        string log = WriteLog("n1", Event("FileRead", "/cold.mov", when, "bob"), "not json", Event("FileRead", "/hot.txt", when));

        InvocationResult result = session.Invoke("Watch-LucidAudit -Path $args[0] -Once -ConnectionString $args[1]", root, database.ConnectionString);

        Assert.Null(result.Terminating);
        PSObject pass = Assert.Single(result.Output, o => o.BaseObject.GetType().FullName == "DiskTools.Engine.LucidAudit.AuditIngestResult");
        Assert.Equal((3L, 2L, 1L), ((long)pass.Properties["EventsRead"].Value, (long)pass.Properties["Applied"].Value, (long)pass.Properties["Malformed"].Value));
        PSObject warming = Assert.Single(result.Output, o => o.BaseObject.GetType().FullName == "DiskTools.Engine.LucidAudit.WarmingEvent");
        Assert.Equal(("cold.mov", "stubbed"), ((string)warming.Properties["Path"].Value, (string)warming.Properties["TierState"].Value));
        ErrorRecord error = Assert.Single(result.Errors);
        Assert.Equal("LucidAuditLineMalformed,DiskTools.Commands.Inventory.WatchLucidAuditCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
        Assert.Equal(log, error.TargetObject);
        Assert.Contains("line 2:", error.Exception.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void An_unregistered_root_is_a_terminating_error_naming_it()
    {
        string other = Directory.CreateTempSubdirectory("dt-lucid-unregistered-").FullName;
        try
        {
            InvocationResult result = session.Invoke("Watch-LucidAudit -Path $args[0] -Once -ConnectionString $args[1]", other, database.ConnectionString);
            // A terminating error ends the statement; the script sees it in its error stream.
            ErrorRecord record = result.Terminating is IContainsErrorRecord terminating ? terminating.ErrorRecord : Assert.Single(result.Errors);
            Assert.Empty(result.Output);
            Assert.Equal("InventoryRepositoryNotFound,DiskTools.Commands.Inventory.WatchLucidAuditCommand", record.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ObjectNotFound, record.CategoryInfo.Category);
            Assert.Equal(other, record.TargetObject);
        }
        finally
        {
            Directory.Delete(other, true);
        }
    }

    [SkippableFact]
    public void Stopping_a_watch_ends_it_promptly()
    {
        Assert.Empty(ImportBaseline("a.txt,10,2025-01-01,2025-01-01").Errors);
        WriteLog("n1", Event("FileRead", "/a.txt", new DateTime(2025, 11, 29, 14, 31, 0, DateTimeKind.Utc)));

        var (shell, pending) = session.Start("Watch-LucidAudit -Path $args[0] -PollInterval 01:00:00 -ConnectionString $args[1]", root, database.ConnectionString);
        using (shell)
        {
            // Wait until the first pass has applied its event: the watch is then between passes.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (shell.InvocationStateInfo.State == PSInvocationState.Running && DateTime.UtcNow < deadline && AppliedCursors() == 0)
            {
                Thread.Sleep(100);
            }

            Assert.Equal(PSInvocationState.Running, shell.InvocationStateInfo.State);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            shell.Stop();
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"Stop took {clock.Elapsed}");
            Assert.Equal(PSInvocationState.Stopped, shell.InvocationStateInfo.State);
            Assert.True(pending.IsCompleted);
        }
    }

    private long AppliedCursors()
    {
        using var connection = database.Open();
        using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM lucid_audit_cursor WHERE last_event_id > 0", connection);
        try
        {
            return (long)command.ExecuteScalar()!;
        }
        catch (Npgsql.PostgresException)
        {
            return 0; // the schema is not there yet
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(root, true);
        }
        catch (IOException)
        {
        }
    }
}
