using System.Diagnostics;
using System.Management.Automation;
using DiskTools.Module.Tests.Infrastructure;
using DiskTools.TestFixtures;
using Xunit;

namespace DiskTools.Module.Tests.Btrfs;

/// <summary>A btrfs volume shaped like a system ("@" and "@home" mounted) plus a module session, per test class.</summary>
public sealed class BtrfsCmdletFixture : IDisposable
{
    private readonly Lazy<(BtrfsVolume Volume, string Root, string Home)> volume = new(() =>
    {
        BtrfsVolume v = BtrfsVolume.Create(256L << 20, "@", "@home", "odd name;$(x)");
        return (v, v.MountSubvolume("@"), v.MountSubvolume("@home"));
    });

    public ModuleSession Session { get; } = new();

    public string RootMount => volume.Value.Root;

    public string HomeMount => volume.Value.Home;

    public string NewSnapshotDirectory()
    {
        string dir = Path.Combine(RootMount, ".snapshots-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public void Dispose()
    {
        Session.Dispose();
        if (volume.IsValueCreated)
        {
            volume.Value.Volume.Dispose();
        }
    }
}

/// <summary>New-, Get- and Remove-BtrfsSnapshot as a user runs them, on real btrfs, locally and over real SSH.</summary>
public sealed class BtrfsSnapshotCmdletTests(BtrfsCmdletFixture fixture) : IClassFixture<BtrfsCmdletFixture>
{
    private const string SnapshotType = "DiskTools.Engine.Btrfs.BtrfsSnapshot";

    public static TheoryData<bool> Remote => new() { false, true };

    [SkippableTheory]
    [MemberData(nameof(Remote))]
    public void NewCreatesTypedReadOnlySnapshotsThatGetLists(bool remote)
    {
        string dir = fixture.NewSnapshotDirectory();
        InvocationResult created = Run(remote, "New-BtrfsSnapshot -Subvolume '@', '@home' -Phase PreSync -SnapshotDirectory $args[0] @c", dir);
        Assert.Empty(created.Errors);
        Assert.Null(created.Terminating);
        Assert.Equal(2, created.Output.Count);
        Assert.All(created.Output, o => Assert.Equal(SnapshotType, o.BaseObject.GetType().FullName));
        PSObject home = created.Output.Single(o => (string)o.Properties["Subvolume"].Value == "@home");
        string path = (string)home.Properties["Path"].Value;
        string session = (string)home.Properties["SessionId"].Value;
        Assert.Matches("^[0-9a-f]{8}$", session);
        Assert.Equal(session, created.Output.Single(o => (string)o.Properties["Subvolume"].Value == "@").Properties["SessionId"].Value);
        Assert.Matches(@"/@home-presync-\d{8}T\d{6}-" + session + "$", path);
        Assert.True((bool)home.Properties["ReadOnly"].Value);
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/hostname").Trim(), home.Properties["Host"].Value);
        Assert.ThrowsAny<IOException>(() => File.WriteAllText(Path.Combine(path, "x"), "must fail"));

        InvocationResult listed = Run(remote, "Get-BtrfsSnapshot -SnapshotDirectory $args[0] -Subvolume '@h*' @c", dir);
        Assert.Empty(listed.Errors);
        Assert.Equal(path, (string)Assert.Single(listed.Output).Properties["Path"].Value);
    }

    [SkippableTheory]
    [MemberData(nameof(Remote))]
    public void RetentionWhatIfChangesNothingThenRemovesOnlyOldSessions(bool remote)
    {
        string dir = fixture.NewSnapshotDirectory();
        // A fabricated history: sessions 2, 20 and 40 days old, created directly with btrfs, plus a non-matching name.
        string[] names =
        [
            $"@home-presync-{DateTime.UtcNow.AddDays(-2):yyyyMMdd'T'HHmmss}-0000000a",
            $"@home-presync-{DateTime.UtcNow.AddDays(-20):yyyyMMdd'T'HHmmss}-0000000b",
            $"@home-presync-{DateTime.UtcNow.AddDays(-40):yyyyMMdd'T'HHmmss}-0000000c",
            "@home-presync-20200101T000000-0000000d-copy",
        ];
        foreach (string name in names)
        {
            ProcessRunner.Run("btrfs", "subvolume", "snapshot", "-r", fixture.HomeMount, Path.Combine(dir, name));
        }

        InvocationResult preview = Run(remote, "Remove-BtrfsSnapshot -KeepRecent 1 -MaxAgeDays 30 -SnapshotDirectory $args[0] -WhatIf -Verbose @c", dir);
        Assert.Empty(preview.Errors);
        Assert.All(names, n => Assert.True(Directory.Exists(Path.Combine(dir, n)), n));
        Assert.Contains(preview.Verbose, v => v.Message.Contains("0000000c", StringComparison.Ordinal) && v.Message.Contains("remove", StringComparison.Ordinal));

        InvocationResult applied = Run(remote, "Remove-BtrfsSnapshot -KeepRecent 1 -MaxAgeDays 30 -SnapshotDirectory $args[0] -Confirm:$false @c", dir);
        Assert.Empty(applied.Errors);
        Assert.True(Directory.Exists(Path.Combine(dir, names[0])));
        Assert.True(Directory.Exists(Path.Combine(dir, names[1]))); // beyond KeepRecent but younger than 30 days
        Assert.False(Directory.Exists(Path.Combine(dir, names[2])));
        Assert.True(Directory.Exists(Path.Combine(dir, names[3]))); // not ours: never deleted

        InvocationResult strict = Run(remote, "Remove-BtrfsSnapshot -KeepRecent 1 -SnapshotDirectory $args[0] -Confirm:$false @c", dir);
        Assert.Empty(strict.Errors);
        Assert.False(Directory.Exists(Path.Combine(dir, names[1])));
        Assert.True(Directory.Exists(Path.Combine(dir, names[0])));
        Assert.True(Directory.Exists(Path.Combine(dir, names[3])));
    }

    [SkippableFact]
    public void PipedSnapshotsAreRemovedWhereTheyWereFound()
    {
        string dir = fixture.NewSnapshotDirectory();
        InvocationResult result = Run(true,
            "New-BtrfsSnapshot 'odd name;$(x)', '@home' -SnapshotDirectory $args[0] @c | Out-Null; " +
            "Get-BtrfsSnapshot -SnapshotDirectory $args[0] @c | Where-Object Subvolume -eq 'odd name;$(x)' | Remove-BtrfsSnapshot -Confirm:$false -SshConfigPath $c.SshConfigPath; " +
            "Get-BtrfsSnapshot -SnapshotDirectory $args[0] @c", dir);
        Assert.Empty(result.Errors);
        Assert.Equal("@home", Assert.Single(result.Output).Properties["Subvolume"].Value);
    }

    [SkippableFact]
    public void MissingSubvolumeIsANonTerminatingErrorAndTheRestGoesOn()
    {
        string dir = fixture.NewSnapshotDirectory();
        InvocationResult result = Run(false, "New-BtrfsSnapshot '@nope', '@home' -SnapshotDirectory $args[0]", dir);
        ErrorRecord error = Assert.Single(result.Errors);
        Assert.Equal("SubvolumeNotFound,DiskTools.Commands.Btrfs.NewBtrfsSnapshotCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal("@nope", error.TargetObject);
        Assert.Equal("@home", Assert.Single(result.Output).Properties["Subvolume"].Value);
    }

    [SkippableFact]
    public void NewWhatIfCreatesNothing()
    {
        string dir = fixture.NewSnapshotDirectory();
        InvocationResult result = Run(false, "New-BtrfsSnapshot '@home' -SnapshotDirectory $args[0] -WhatIf", dir);
        Assert.Empty(result.Errors);
        Assert.Empty(result.Output);
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }

    [SkippableFact]
    public void HostWideFailuresAreTerminatingWithTheirOwnIds()
    {
        string dir = fixture.NewSnapshotDirectory();
        AssertTerminating(Run(false, "Get-BtrfsSnapshot -SnapshotDirectory $args[0]", dir + "-missing"), "SnapshotDirectoryNotFound", ErrorCategory.ObjectNotFound);
        AssertTerminating(Run(false, "Get-BtrfsSnapshot -SnapshotDirectory /proc"), "NotBtrfsFileSystem", ErrorCategory.InvalidArgument);
        AssertTerminating(Run(false, "New-BtrfsSnapshot '@home' -SnapshotDirectory /dev/shm -FileSystem $args[0]", dir), "SnapshotDirectoryOnOtherFileSystem", ErrorCategory.InvalidArgument);
    }

    [SkippableFact]
    public void WrongPinnedHostKeyAndClosedPortAreConnectionErrors()
    {
        SshServer server = SshServer.Shared;
        InvocationResult mismatch = fixture.Session.Invoke(
            "Get-BtrfsSnapshot -ComputerName $args[0] -SshConfigPath $args[1] -HostKeyFingerprint 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'",
            server.Alias, server.ConfigPath);
        ErrorRecord refused = AssertTerminating(mismatch, "SshHostKeyMismatch", ErrorCategory.SecurityError);
        Assert.Contains(server.HostKeyFingerprint, refused.Exception.Message, StringComparison.Ordinal);

        InvocationResult closed = fixture.Session.Invoke("Get-BtrfsSnapshot -ComputerName $args[0] -SshConfigPath $args[1] -Port 1", server.Alias, server.ConfigPath);
        AssertTerminating(closed, "HostUnreachable", ErrorCategory.ConnectionError);
    }

    [SkippableFact]
    public void StopEndsARemoteListingPromptly()
    {
        string dir = fixture.NewSnapshotDirectory();
        SshServer server = SshServer.Shared;
        (PowerShell shell, IAsyncResult pending) = fixture.Session.Start(
            "while ($true) { Get-BtrfsSnapshot -ComputerName $args[0] -SshConfigPath $args[1] -SnapshotDirectory $args[2] }", server.Alias, server.ConfigPath, dir);
        using (shell)
        {
            Thread.Sleep(2000);
            var watch = Stopwatch.StartNew();
            shell.Stop();
            Assert.True(pending.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(30)));
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30));
        }
    }

    [SkippableFact]
    public void CompletionOffersLiveSubvolumeNames()
    {
        string dir = fixture.NewSnapshotDirectory();
        string line = $"New-BtrfsSnapshot -SnapshotDirectory '{dir}' -Subvolume ";
        InvocationResult result = fixture.Session.Invoke("(TabExpansion2 -inputScript $args[0] -cursorColumn $args[0].Length).CompletionMatches.CompletionText", line);
        string[] offered = result.Output.Select(o => o.ToString()).ToArray();
        Assert.Contains("'@home'", offered);
        Assert.Contains("'odd name;$(x)'", offered);
    }

    /// <summary>Runs a script with $c holding the connection parameters (empty locally) for splatting.</summary>
    private InvocationResult Run(bool remote, string script, params object?[] args)
    {
        _ = fixture.RootMount; // creates the volume, or skips when btrfs/root is unavailable
        var connection = new System.Collections.Hashtable();
        if (remote)
        {
            SshServer server = SshServer.Shared;
            connection["ComputerName"] = server.Alias;
            connection["SshConfigPath"] = server.ConfigPath;
        }

        fixture.Session.Runspace.SessionStateProxy.SetVariable("c", connection);
        return fixture.Session.Invoke(script, args);
    }

    /// <summary>A statement-terminating error: the cmdlet stopped with exactly this one error and wrote nothing.</summary>
    private static ErrorRecord AssertTerminating(InvocationResult result, string errorId, ErrorCategory category)
    {
        ErrorRecord record = result.Terminating?.ErrorRecord ?? Assert.Single(result.Errors);
        Assert.Empty(result.Output);
        Assert.StartsWith(errorId + ",", record.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(category, record.CategoryInfo.Category);
        Assert.NotNull(record.TargetObject);
        return record;
    }
}
