using System.Diagnostics;
using System.Management.Automation;
using DiskTools.Module.Tests.Infrastructure;
using DiskTools.TestFixtures;
using Xunit;

namespace DiskTools.Module.Tests.Inventory;

public sealed class InventoryCmdletTests : IClassFixture<ModuleSessionFixture>, IClassFixture<PostgresDatabase>, IDisposable
{
    private readonly ModuleSession session;
    private readonly PostgresDatabase database;
    private readonly string root = Path.Combine(Path.GetTempPath(), "dt-invmod-" + Guid.NewGuid().ToString("N")[..8]);

    public InventoryCmdletTests(ModuleSessionFixture fixture, PostgresDatabase database)
    {
        session = fixture.Session;
        this.database = database;
        Directory.CreateDirectory(Path.Combine(root, "photos"));
        File.WriteAllText(Path.Combine(root, "photos", "a.jpg"), "jpeg");
        File.WriteAllText(Path.Combine(root, "notes.txt"), "text");
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    [SkippableFact]
    public void Invoke_Reconciliation_writes_a_typed_operation_and_the_query_cmdlets_read_it_back()
    {
        Prerequisite.Require(Directory.Exists("/usr/lib/postgresql"), "PostgreSQL server binaries");
        InvocationResult pass = session.Invoke("Invoke-Reconciliation -Path $args[0] -ConnectionString $args[1]", root, database.ConnectionString);
        Assert.Empty(pass.Errors);
        PSObject operation = Assert.Single(pass.Output);
        Assert.Equal("DiskTools.Engine.Reconciliation.SyncOperation", operation.BaseObject.GetType().FullName);
        Assert.Equal(2, (int)operation.Properties["FilesAdded"].Value);
        Assert.Equal("manual", operation.Properties["OperationType"].Value);

        InvocationResult records = session.Invoke("Get-FileRecord -Path $args[0] -Filter '*.jpg' -ConnectionString $args[1]", root, database.ConnectionString);
        PSObject record = Assert.Single(records.Output);
        Assert.Equal("DiskTools.Engine.Reconciliation.FileRecord", record.BaseObject.GetType().FullName);
        Assert.Equal("photos/a.jpg", record.Properties["FilePath"].Value);
        string hash = (string)record.Properties["ContentHash"].Value;

        Assert.Single(session.Invoke("Get-FileRecord -Hash $args[0].ToUpper() -ConnectionString $args[1]", hash, database.ConnectionString).Output);
        InvocationResult status = session.Invoke("Get-ReconciliationStatus $args[0] -ConnectionString $args[1]", root, database.ConnectionString);
        Assert.Equal(2L, (long)Assert.Single(status.Output).Properties["TotalFiles"].Value);
        Assert.Equal("DiskTools.Engine.Reconciliation.ReconciliationStatus", status.Output[0].BaseObject.GetType().FullName);
        Assert.Single(session.Invoke("Get-SyncOperation $args[0] -Last 1 -ConnectionString $args[1]", root, database.ConnectionString).Output);
    }

    [SkippableFact]
    public void WhatIf_touches_nothing_and_an_unknown_root_or_missing_connection_gives_precise_errors()
    {
        Prerequisite.Require(Directory.Exists("/usr/lib/postgresql"), "PostgreSQL server binaries");
        string other = Path.Combine(root, "photos");
        Assert.Empty(session.Invoke("Invoke-Reconciliation -LiteralPath $args[0] -ConnectionString $args[1] -WhatIf", other, database.ConnectionString).Output);
        InvocationResult unknown = session.Invoke("Get-FileRecord -Path $args[0] -ConnectionString $args[1]", other, database.ConnectionString);
        ErrorRecord notFound = Assert.Single(unknown.Errors);
        Assert.StartsWith("InventoryRepositoryNotFound", notFound.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.ObjectNotFound, notFound.CategoryInfo.Category);
        Assert.Equal(other, notFound.TargetObject);

        InvocationResult noConnection = session.Invoke("$env:DISKTOOLS_CONNECTION = $null; Invoke-Reconciliation -Path $args[0]", root);
        ErrorRecord missing = noConnection.Terminating?.ErrorRecord ?? Assert.Single(noConnection.Errors);
        Assert.StartsWith("InventoryConnectionMissing", missing.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.InvalidArgument, missing.CategoryInfo.Category);
    }

    [SkippableFact]
    public void Stopping_a_watch_ends_it_promptly()
    {
        Prerequisite.Require(Directory.Exists("/usr/lib/postgresql"), "PostgreSQL server binaries");
        var (shell, pending) = session.Start("Invoke-Reconciliation -Path $args[0] -ConnectionString $args[1] -Watch -NoHash", root, database.ConnectionString);
        using (shell)
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (shell.Streams.Error.Count == 0 && DateTime.UtcNow < deadline && !StartupDone(shell))
            {
                Thread.Sleep(100);
            }

            var clock = Stopwatch.StartNew();
            shell.Stop();
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"Stop took {clock.Elapsed}");
            Assert.True(pending.IsCompleted);
        }
    }

    private bool StartupDone(PowerShell shell)
    {
        using var connection = database.Open();
        using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM pg_tables WHERE tablename = 'sync_operations'", connection);
        if ((long)command.ExecuteScalar()! == 0)
        {
            return false;
        }

        using var done = new Npgsql.NpgsqlCommand("SELECT count(*) FROM sync_operations o JOIN repositories r ON r.id = o.repository_id WHERE r.root_path = $1 AND o.status = 'completed'", connection);
        done.Parameters.Add(new Npgsql.NpgsqlParameter { Value = root });
        return shell.Streams.Error.Count > 0 || (long)done.ExecuteScalar()! > 0;
    }

    [SkippableFact]
    public void An_unreadable_directory_blocks_orphan_deletion_beneath_it()
    {
        Prerequisite.Require(Directory.Exists("/usr/lib/postgresql"), "PostgreSQL server binaries");
        Prerequisite.Require(Prerequisite.IsRoot && Prerequisite.FindExecutable("runuser") is not null, "root and runuser, to run the walk as 'nobody' (root reads every directory)");
        string tree = Path.Combine(Path.GetTempPath(), "dt-unreadable-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Directory.CreateDirectory(Path.Combine(tree, "locked"));
            File.WriteAllText(Path.Combine(tree, "locked", "inside.txt"), "x");
            File.WriteAllText(Path.Combine(tree, "open.txt"), "y");
            Run("chmod", "-R", "a+rwX", tree);
            Assert.Equal(0, RunAsNobody(tree).ExitCode);

            File.Delete(Path.Combine(tree, "locked", "inside.txt"));
            File.WriteAllText(Path.Combine(tree, "locked", "other.txt"), "z");
            Run("chmod", "000", Path.Combine(tree, "locked"));
            (_, string output) = RunAsNobody(tree);

            // The walk error is reported (redirected into the output, so the launcher's exit code stays 0).
            Assert.Contains("InventoryWalkError", output, StringComparison.Ordinal);

            InvocationResult records = session.Invoke("Get-FileRecord -Path $args[0] -ConnectionString $args[1] | ForEach-Object FilePath", tree, database.ConnectionString);
            Assert.Equal(["locked/inside.txt", "open.txt"], records.Output.Select(o => o.ToString()).Order(StringComparer.Ordinal));
        }
        finally
        {
            Run("chmod", "-R", "u+rwx", tree);
            Directory.Delete(tree, recursive: true);
        }
    }

    private (int ExitCode, string Output) RunAsNobody(string tree)
    {
        var psi = new ProcessStartInfo("runuser") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "-u", "nobody", "--", ModuleSession.LauncherPath, "-Command", $"Invoke-Reconciliation -LiteralPath '{tree}' -ConnectionString '{database.ConnectionString}' -ErrorAction Continue 2>&1 | ForEach-Object {{ if ($_ -is [System.Management.Automation.ErrorRecord]) {{ $_.FullyQualifiedErrorId }} else {{ $_.Status }} }}" })
        {
            psi.ArgumentList.Add(a);
        }

        using Process process = Process.Start(psi)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }

    private static void Run(string file, params string[] args)
    {
        using Process process = Process.Start(file, args);
        process.WaitForExit();
    }
}
