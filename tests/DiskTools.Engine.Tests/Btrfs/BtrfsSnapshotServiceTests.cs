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
    public async Task RetentionRanksByTheCreationTimeBtrfsRecordsNotByTheDateInTheName(string kind)
    {
        await using ICommandExecutor executor = await ExecutorFactory.CreateAsync(kind);
        string directory = fixture.NewSnapshotDirectory();
        var service = new BtrfsSnapshotService(executor, new SnapshotLocation { FileSystem = fixture.RootMount, SnapshotDirectory = directory });
        DateTime now = DateTime.UtcNow;
        // Created one after another, a second apart, with names that claim the opposite order: d's name is the
        // newest (1 day old), a's the oldest (40 days old), but btrfs created a last.
        string[] sessions = ["0000000d", "0000000c", "0000000b", "0000000a"];
        int[] namedAgeDays = [1, 10, 20, 40];
        for (int i = 0; i < sessions.Length; i++)
        {
            if (i > 0)
            {
                WaitForTheNextSecond();
            }

            BtrfsSnapshot created = await service.CreateAsync(new SnapshotRequest("@home", SnapshotPhase.PreSync, sessions[i], now.AddDays(-namedAgeDays[i])), CancellationToken.None);
            Assert.NotNull(created.CreatedAt);
            Assert.InRange(created.CreatedAt!.Value, now.AddMinutes(-1), DateTime.UtcNow.AddMinutes(1));
        }

        // Things that are not ours: a non-matching subvolume and a plain directory, both old-looking.
        ProcessRunner.Run("btrfs", "subvolume", "snapshot", "-r", fixture.HomeMount, Path.Combine(directory, "@home-weekly-20200101T000000-00000001"));
        Directory.CreateDirectory(Path.Combine(directory, "@home-manual-20200101T000000-0000000f.bak"));

        // A fresh engine reads the creation times from the listing, as the first one learned them when creating.
        var fresh = new BtrfsSnapshotService(executor, new SnapshotLocation { FileSystem = fixture.RootMount, SnapshotDirectory = directory });
        IReadOnlyList<BtrfsSnapshot> all = await fresh.ListAsync(null, CancellationToken.None);
        Assert.Equal(4, all.Count);
        BtrfsSnapshot[] byName = [.. sessions.Select(id => all.Single(s => s.SessionId == id))];
        Assert.All(byName.Zip(byName.Skip(1)), pair => Assert.True(pair.First.CreatedAt <= pair.Second.CreatedAt, $"{pair.First.Name} was created after {pair.Second.Name}"));

        RetentionPlan plan = await SnapshotRetention.PlanAsync(fresh, null, new RetentionPolicy(2), guard: null, CancellationToken.None);
        Assert.Equal(["0000000a", "0000000b"], plan.Sessions.Where(s => s.Keep).Select(s => s.SessionId));
        Assert.Equal(["0000000d", "0000000c"], plan.ToRemove.Select(s => s.SessionId));
        var observer = new RecordingObserver();
        RetentionOutcome outcome = await SnapshotRetention.ApplyAsync(fresh, plan, observer, CancellationToken.None);
        Assert.Equal((2, 0), (outcome.Removed, outcome.Failed));
        Assert.Equal(["0000000d", "0000000c"], observer.RemovedSessions);

        Assert.Equal(["0000000a", "0000000b"], (await fresh.ListAsync(null, CancellationToken.None)).Select(s => s.SessionId).Order(StringComparer.Ordinal));
        Assert.True(Directory.Exists(Path.Combine(directory, "@home-weekly-20200101T000000-00000001")));
        Assert.True(Directory.Exists(Path.Combine(directory, "@home-manual-20200101T000000-0000000f.bak")));
    }

    /// <summary>btrfs lists creation times to the second: waits until the clock has moved on to the next one.</summary>
    internal static void WaitForTheNextSecond()
    {
        long second = DateTime.UtcNow.Ticks / TimeSpan.TicksPerSecond;
        Assert.True(SpinWait.SpinUntil(() => DateTime.UtcNow.Ticks / TimeSpan.TicksPerSecond > second, TimeSpan.FromSeconds(5)));
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

        await AssertError(ErrorIds.SubvolumeNotFound, ErrorKind.ObjectNotFound, () => service.CreateAsync(request with { Subvolume = "@nope" }, CancellationToken.None));

        await service.CreateAsync(request, CancellationToken.None);
        await AssertError(ErrorIds.SnapshotAlreadyExists, ErrorKind.ResourceExists, () => service.CreateAsync(request, CancellationToken.None));

        string elsewhere = Directory.CreateTempSubdirectory("disktools-notbtrfs").FullName;
        try
        {
            var otherDirectory = new BtrfsSnapshotService(executor, new SnapshotLocation { FileSystem = fixture.RootMount, SnapshotDirectory = elsewhere });
            await AssertError(ErrorIds.SnapshotDirectoryOnOtherFileSystem, ErrorKind.InvalidArgument, () => otherDirectory.CreateAsync(request, CancellationToken.None));

            var notBtrfs = new BtrfsSnapshotService(executor, new SnapshotLocation { FileSystem = elsewhere, SnapshotDirectory = elsewhere });
            await AssertError(ErrorIds.NotBtrfsFileSystem, ErrorKind.InvalidArgument, () => notBtrfs.ListAsync(null, CancellationToken.None));
        }
        finally
        {
            Directory.Delete(elsewhere);
        }

        var missingDirectory = new BtrfsSnapshotService(executor, new SnapshotLocation { FileSystem = fixture.RootMount, SnapshotDirectory = directory + "-missing" });
        await AssertError(ErrorIds.SnapshotDirectoryNotFound, ErrorKind.ObjectNotFound, () => missingDirectory.ListAsync(null, CancellationToken.None));

        // Never deletes what does not follow the pattern, whatever it is handed.
        BtrfsSnapshot real = Assert.Single(await service.ListAsync(null, CancellationToken.None));
        await AssertError(ErrorIds.NotADiskToolsSnapshot, ErrorKind.InvalidArgument, () => service.RemoveAsync(real with { Path = fixture.HomeMount }, CancellationToken.None));
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
            await AssertError(ErrorIds.BtrfsProgsNotFound, ErrorKind.NotInstalled, () => service.ListAsync(null, CancellationToken.None));
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
            await AssertError(ErrorIds.BtrfsPermissionDenied, ErrorKind.PermissionDenied, () => service.ListAsync(null, CancellationToken.None));
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

    private sealed class RecordingObserver : IRetentionObserver
    {
        public List<string> RemovedSessions { get; } = [];

        public void Kept(ProtectedSnapshot kept, RetentionDecision session)
        {
        }

        public void Removed(BtrfsSnapshot snapshot, RetentionDecision session) => RemovedSessions.Add(snapshot.SessionId);

        public bool Failed(BtrfsSnapshot snapshot, RetentionDecision session, DiskToolsException error) => false;
    }
}
