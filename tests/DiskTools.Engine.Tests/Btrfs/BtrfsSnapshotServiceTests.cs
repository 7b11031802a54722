using DiskTools.Engine.Btrfs;
using DiskTools.Engine.Output;
using DiskTools.Engine.Remoting;
using DiskTools.Engine.Tests.Remoting;
using DiskTools.TestFixtures;
using Xunit;

namespace DiskTools.Engine.Tests.Btrfs;

/// <summary>The snapshot engine on a real btrfs, on this machine and through a real sshd to localhost.</summary>
public sealed class BtrfsSnapshotServiceTests(SnapshotVolume fixture) : IClassFixture<SnapshotVolume>
{
    public static TheoryData<string> Kinds => new() { ExecutorFactory.Local, ExecutorFactory.Ssh };

    [SkippableTheory]
    [MemberData(nameof(Kinds))]
    public async Task CreatesAReadOnlySnapshotThatRoundTripsThroughItsName(string kind)
    {
        await using ICommandExecutor executor = await ExecutorFactory.CreateAsync(kind);
        string directory = fixture.NewSnapshotDirectory();
        var service = new BtrfsSnapshotService(executor, new SnapshotLocation { FileSystem = fixture.RootMount, SnapshotDirectory = directory });
        File.WriteAllText(Path.Combine(fixture.HomeMount, "file.txt"), "content");
        var at = new DateTime(2025, 11, 29, 14, 30, 22, DateTimeKind.Utc);

        BtrfsSnapshot created = await service.CreateAsync(new SnapshotRequest("@home", SnapshotPhase.PreSync, "abc12345", at), CancellationToken.None);

        Assert.Equal(Path.Combine(directory, "@home-presync-20251129T143022-abc12345"), created.Path);
        Assert.Equal(("@home", SnapshotPhase.PreSync, at, "abc12345"), (created.Subvolume, created.Phase, created.Timestamp, created.SessionId));
        Assert.Equal((await File.ReadAllTextAsync("/proc/sys/kernel/hostname")).Trim(), created.Host);
        Assert.True(created.ReadOnly);
        Assert.NotNull(created.Uuid);
        Assert.Equal(HomeUuid(), created.ParentUuid);
        Assert.True(created.Generation > 0);
        Assert.Equal("content", File.ReadAllText(Path.Combine(created.Path, "file.txt")));
        Assert.Contains("readonly", ProcessRunner.Run("btrfs", "property", "get", created.Path, "ro").StandardOutput.Replace("ro=true", "readonly", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.ThrowsAny<IOException>(() => File.WriteAllText(Path.Combine(created.Path, "new.txt"), "must fail")); // EROFS

        BtrfsSnapshot listed = Assert.Single(await service.ListAsync(null, CancellationToken.None));
        Assert.Equal(created, listed);
    }

    [SkippableTheory]
    [MemberData(nameof(Kinds))]
    public async Task SubvolumeNamedWithShellMetacharactersIsSnapshottedAndNothingRuns(string kind)
    {
        await using ICommandExecutor executor = await ExecutorFactory.CreateAsync(kind);
        string directory = fixture.NewSnapshotDirectory();
        var service = new BtrfsSnapshotService(executor, new SnapshotLocation { FileSystem = fixture.RootMount, SnapshotDirectory = directory });
        Assert.Contains(SnapshotVolume.HostileSubvolume, (await service.ListSubvolumesAsync(CancellationToken.None)).Select(s => s.Name));

        BtrfsSnapshot created = await service.CreateAsync(new SnapshotRequest(SnapshotVolume.HostileSubvolume, SnapshotPhase.Manual, SnapshotName.NewSessionId()), CancellationToken.None);

        Assert.True(Directory.Exists(created.Path));
        Assert.Equal(SnapshotVolume.HostileSubvolume, Assert.Single(await service.ListAsync(null, CancellationToken.None)).Subvolume);
        Assert.False(File.Exists("CANARY") || File.Exists("/root/CANARY") || File.Exists(Path.Combine(directory, "CANARY")));
        await service.RemoveAsync(created, CancellationToken.None);
        Assert.False(Directory.Exists(created.Path));
    }

    [SkippableTheory]
    [MemberData(nameof(Kinds))]
    public async Task RetentionOnAFabricatedHistoryDeletesOnlyWhatThePlanSays(string kind)
    {
        await using ICommandExecutor executor = await ExecutorFactory.CreateAsync(kind);
        string directory = fixture.NewSnapshotDirectory();
        var service = new BtrfsSnapshotService(executor, new SnapshotLocation { FileSystem = fixture.RootMount, SnapshotDirectory = directory });
        DateTime now = DateTime.UtcNow;
        string[] sessions = ["0000000a", "0000000b", "0000000c", "0000000d"]; // 1, 10, 20 and 40 days old
        int[] ages = [1, 10, 20, 40];
        for (int i = 0; i < sessions.Length; i++)
        {
            DateTime at = now.AddDays(-ages[i]);
            await service.CreateAsync(new SnapshotRequest("@home", SnapshotPhase.PreSync, sessions[i], at), CancellationToken.None);
        }

        // A session is judged by its newest snapshot: c started 20 days ago but took one more today.
        await service.CreateAsync(new SnapshotRequest("@", SnapshotPhase.PostSync, "0000000c", now.AddDays(-12)), CancellationToken.None);

        // Things that are not ours: a non-matching subvolume and a plain directory, both old-looking.
        ProcessRunner.Run("btrfs", "subvolume", "snapshot", "-r", fixture.HomeMount, Path.Combine(directory, "@home-weekly-20200101T000000-00000001"));
        Directory.CreateDirectory(Path.Combine(directory, "@home-manual-20200101T000000-0000000f.bak"));

        IReadOnlyList<BtrfsSnapshot> all = await service.ListAsync(null, CancellationToken.None);
        Assert.Equal(5, all.Count);
        Assert.Equal(all.OrderByDescending(s => s.Timestamp), all); // newest first

        // With MaxAgeDays 11: the newest session always, b (10 days) too, c (newest 12 days) and d (40) go.
        RetentionPlan withAge = BtrfsSnapshotService.PlanRetention(all, new RetentionPolicy(1, 11), now);
        Assert.Equal(["0000000d", "0000000c"], withAge.ToRemove.Select(s => s.SessionId).Distinct());
        Assert.Equal(3, withAge.ToRemove.Count());
        foreach (BtrfsSnapshot snapshot in withAge.ToRemove)
        {
            await service.RemoveAsync(snapshot, CancellationToken.None);
        }

        IReadOnlyList<BtrfsSnapshot> left = await service.ListAsync(null, CancellationToken.None);
        Assert.Equal(["0000000a", "0000000b"], left.Select(s => s.SessionId).Distinct());

        // Without MaxAgeDays: everything beyond the newest session goes.
        RetentionPlan strict = BtrfsSnapshotService.PlanRetention(left, new RetentionPolicy(1), now);
        foreach (BtrfsSnapshot snapshot in strict.ToRemove)
        {
            await service.RemoveAsync(snapshot, CancellationToken.None);
        }

        Assert.Equal(["0000000a"], (await service.ListAsync(null, CancellationToken.None)).Select(s => s.SessionId).Distinct());
        Assert.True(Directory.Exists(Path.Combine(directory, "@home-weekly-20200101T000000-00000001")));
        Assert.True(Directory.Exists(Path.Combine(directory, "@home-manual-20200101T000000-0000000f.bak")));
    }

    [SkippableTheory]
    [MemberData(nameof(Kinds))]
    public async Task FiltersBySubvolumeSessionAndPhase(string kind)
    {
        await using ICommandExecutor executor = await ExecutorFactory.CreateAsync(kind);
        string directory = fixture.NewSnapshotDirectory();
        var service = new BtrfsSnapshotService(executor, new SnapshotLocation { FileSystem = fixture.RootMount, SnapshotDirectory = directory });
        DateTime at = DateTime.UtcNow.AddHours(-1);
        await service.CreateAsync(new SnapshotRequest("@", SnapshotPhase.PreSync, "11111111", at), CancellationToken.None);
        await service.CreateAsync(new SnapshotRequest("@home", SnapshotPhase.PreSync, "11111111", at), CancellationToken.None);
        await service.CreateAsync(new SnapshotRequest("@home", SnapshotPhase.PostSync, "22222222", at.AddMinutes(1)), CancellationToken.None);

        Assert.Equal(2, (await service.ListAsync(new SnapshotFilter(Subvolumes: ["@home"]), CancellationToken.None)).Count);
        Assert.Equal(2, (await service.ListAsync(new SnapshotFilter(SessionId: "11111111"), CancellationToken.None)).Count);
        BtrfsSnapshot post = Assert.Single(await service.ListAsync(new SnapshotFilter(Phase: SnapshotPhase.PostSync), CancellationToken.None));
        Assert.Equal("22222222", post.SessionId);
    }

    [SkippableTheory]
    [MemberData(nameof(Kinds))]
    public async Task EachFailureHasItsOwnErrorId(string kind)
    {
        await using ICommandExecutor executor = await ExecutorFactory.CreateAsync(kind);
        string directory = fixture.NewSnapshotDirectory();
        var service = new BtrfsSnapshotService(executor, new SnapshotLocation { FileSystem = fixture.RootMount, SnapshotDirectory = directory });
        string session = SnapshotName.NewSessionId();
        var request = new SnapshotRequest("@home", SnapshotPhase.Manual, session, DateTime.UtcNow);

        await AssertError(BtrfsErrors.SubvolumeNotFound, ErrorKind.ObjectNotFound, () => service.CreateAsync(request with { Subvolume = "@nope" }, CancellationToken.None));

        await service.CreateAsync(request, CancellationToken.None);
        await AssertError(BtrfsErrors.SnapshotAlreadyExists, ErrorKind.ResourceExists, () => service.CreateAsync(request, CancellationToken.None));

        string elsewhere = Directory.CreateTempSubdirectory("disktools-notbtrfs").FullName;
        try
        {
            var otherDirectory = new BtrfsSnapshotService(executor, new SnapshotLocation { FileSystem = fixture.RootMount, SnapshotDirectory = elsewhere });
            await AssertError(BtrfsErrors.SnapshotDirectoryOnOtherFileSystem, ErrorKind.InvalidArgument, () => otherDirectory.CreateAsync(request, CancellationToken.None));

            var notBtrfs = new BtrfsSnapshotService(executor, new SnapshotLocation { FileSystem = elsewhere, SnapshotDirectory = elsewhere });
            await AssertError(BtrfsErrors.NotBtrfsFileSystem, ErrorKind.InvalidArgument, () => notBtrfs.ListAsync(null, CancellationToken.None));
        }
        finally
        {
            Directory.Delete(elsewhere);
        }

        var missingDirectory = new BtrfsSnapshotService(executor, new SnapshotLocation { FileSystem = fixture.RootMount, SnapshotDirectory = directory + "-missing" });
        await AssertError(BtrfsErrors.SnapshotDirectoryNotFound, ErrorKind.ObjectNotFound, () => missingDirectory.ListAsync(null, CancellationToken.None));

        // Never deletes what does not follow the pattern, whatever it is handed.
        BtrfsSnapshot real = Assert.Single(await service.ListAsync(null, CancellationToken.None));
        await AssertError(BtrfsErrors.NotASnapshotName, ErrorKind.InvalidArgument, () => service.RemoveAsync(real with { Path = fixture.HomeMount }, CancellationToken.None));
        Assert.True(Directory.Exists(fixture.HomeMount));
    }

    [SkippableFact]
    public async Task MissingBtrfsProgsIsReportedAsSuch()
    {
        _ = fixture.Volume;
        string bin = Directory.CreateTempSubdirectory("disktools-path").FullName;
        try
        {
            foreach (string tool in new[] { "cat", "realpath", "uname" })
            {
                File.CreateSymbolicLink(Path.Combine(bin, tool), Prerequisite.FindExecutable(tool)!);
            }

            await using var executor = new LocalExecutor(new Dictionary<string, string?> { ["PATH"] = bin });
            var service = new BtrfsSnapshotService(executor, new SnapshotLocation { FileSystem = fixture.RootMount, SnapshotDirectory = fixture.NewSnapshotDirectory() });
            await AssertError(BtrfsErrors.BtrfsProgsNotFound, ErrorKind.NotInstalled, () => service.ListAsync(null, CancellationToken.None));
        }
        finally
        {
            Directory.Delete(bin, recursive: true);
        }
    }

    [SkippableFact]
    public async Task NonRootIsPermissionDenied()
    {
        Prerequisite.Require(Prerequisite.FindExecutable("setpriv") is not null, "setpriv (util-linux) is needed to drop privileges");
        _ = fixture.Volume;
        string bin = Directory.CreateTempSubdirectory("disktools-nonroot").FullName;
        try
        {
            // A btrfs on PATH that is the real one, run as nobody: what an unprivileged user gets.
            string wrapper = Path.Combine(bin, "btrfs");
            File.WriteAllText(wrapper, $"#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups {Prerequisite.FindExecutable("btrfs")} \"$@\"\n");
            ProcessRunner.Run("chmod", "755", wrapper);
            await using var executor = new LocalExecutor(new Dictionary<string, string?> { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") });
            var service = new BtrfsSnapshotService(executor, new SnapshotLocation { FileSystem = fixture.RootMount, SnapshotDirectory = fixture.NewSnapshotDirectory() });
            await AssertError(BtrfsErrors.PermissionDenied, ErrorKind.PermissionDenied, () => service.ListAsync(null, CancellationToken.None));
        }
        finally
        {
            Directory.Delete(bin, recursive: true);
        }
    }

    private static async Task AssertError(string errorId, ErrorKind kind, Func<Task> action)
    {
        var e = await Assert.ThrowsAsync<DiskToolsException>(action);
        Assert.True(errorId == e.ErrorId, $"expected {errorId}, got {e.ErrorId}: {e.Message}");
        Assert.Equal(kind, e.Kind);
        Assert.NotNull(e.Target);
    }

    private Guid HomeUuid()
    {
        string show = ProcessRunner.Run("btrfs", "subvolume", "show", fixture.HomeMount).StandardOutput;
        return SubvolumeShow.Parse(show).Uuid!.Value;
    }
}
