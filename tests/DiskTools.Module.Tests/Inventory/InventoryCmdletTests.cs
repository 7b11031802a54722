using System.Diagnostics;
using System.Management.Automation;
using DiskTools.Module.Tests.Infrastructure;
using DiskTools.TestFixtures;
using Xunit;

namespace DiskTools.Module.Tests.Inventory;

/// <summary>
/// A vanished root and the walk as an unprivileged user (through the launcher); the cmdlets as users run
/// them in pwsh are tested in tests/Pester/Inventory.Tests.ps1.
/// </summary>
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
    public void A_registered_root_that_vanished_is_a_failed_pass_with_its_own_error_and_a_never_seen_missing_root_a_plain_error()
    {
        Prerequisite.Require(Directory.Exists("/usr/lib/postgresql"), "PostgreSQL server binaries");
        Assert.Empty(session.Invoke("Invoke-Reconciliation -Path $args[0] -ConnectionString $args[1]", root, database.ConnectionString).Errors);
        string aside = root + "-aside";
        Directory.Move(root, aside);
        try
        {
            InvocationResult pass = session.Invoke("Invoke-Reconciliation -Path $args[0] -ConnectionString $args[1]", root, database.ConnectionString);
            Assert.Null(pass.Terminating);
            Assert.Equal("failed", Assert.Single(pass.Output).Properties["Status"].Value);
            ErrorRecord missing = Assert.Single(pass.Errors);
            Assert.StartsWith("ReconciliationRootMissing", missing.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Equal(ErrorCategory.ObjectNotFound, missing.CategoryInfo.Category);
            Assert.Equal(root, missing.TargetObject);
            Assert.Equal(2L, (long)Assert.Single(session.Invoke("Get-ReconciliationStatus $args[0] -ConnectionString $args[1]", root, database.ConnectionString).Output).Properties["TotalFiles"].Value);

            InvocationResult never = session.Invoke("Invoke-Reconciliation -Path $args[0] -ConnectionString $args[1]", root + "-never", database.ConnectionString);
            Assert.Null(never.Terminating);
            Assert.Empty(never.Output);
            Assert.StartsWith("ReconciliationRootNotDirectory", Assert.Single(never.Errors).FullyQualifiedErrorId, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Move(aside, root);
        }
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
