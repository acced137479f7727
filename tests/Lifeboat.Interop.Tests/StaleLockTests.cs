using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.TestSupport;
using static Lifeboat.Interop.Tests.Interop;

namespace Lifeboat.Interop.Tests;

/// <summary>A lock left behind by a crashed process must not block the next run; a live one must.</summary>
public sealed class StaleLockTests
{
    private static async Task WriteLockAsync(Repository repo, bool exclusive, int pid, GoTime time) =>
        await repo.SaveUnpackedAsync(FileType.Lock,
            new LockInfo(time, exclusive, Posix.HostName, "root", pid, 0, 0).ToJson(), Ct);

    [Fact]
    public async Task ALockOfADeadProcessOnThisHostIsIgnored_ALiveOneIsNot()
    {
        using var work = new TempDirectory("lifeboat-lock");
        await using var repo = await InitAsync(work.Combine("repo"), 2);
        // a PID that cannot be running: above the kernel's pid_max default range
        await WriteLockAsync(repo, exclusive: true, pid: 4_000_000, GoTime.Now());
        await using (await RepositoryLock.AcquireAsync(repo, exclusive: true, Ct)) { }

        // an old lock (over 30 minutes, never refreshed) from another host is stale too
        var old = GoTime.FromDateTimeOffset(DateTimeOffset.Now.AddHours(-2));
        await repo.SaveUnpackedAsync(FileType.Lock, new LockInfo(old, true, "other-host", "root", 1, 0, 0).ToJson(), Ct);
        await using (await RepositoryLock.AcquireAsync(repo, exclusive: false, Ct)) { }

        // this process is alive: its exclusive lock blocks everyone
        await WriteLockAsync(repo, exclusive: true, pid: Environment.ProcessId, GoTime.Now());
        var e = await Assert.ThrowsAsync<RepositoryException>(() => RepositoryLock.AcquireAsync(repo, exclusive: false, Ct));
        Assert.Equal(RepositoryErrorKind.Locked, e.Kind);
    }

    [Fact]
    public async Task WorkDoneWhileTheLockIsConfirmedRunsUnderTheWrittenLock_AndARacingExclusiveLockFailsTheAcquisition()
    {
        using var work = new TempDirectory("lifeboat-lock");
        await using var repo = await InitAsync(work.Combine("repo"), 2);

        // the work (the index load) starts only once this lock is on disk, so a prune starting now would see it
        int locksSeenDuringWork = 0;
        await using (await RepositoryLock.AcquireAsync(repo, exclusive: false, Ct,
            async ct => locksSeenDuringWork = (await repo.ListIdsAsync(FileType.Lock, ct)).Count)) { }
        Assert.Equal(1, locksSeenDuringWork);
        Assert.Empty(await repo.ListIdsAsync(FileType.Lock, Ct));

        // an exclusive lock (a prune) written by a live process while we were loading: the re-check refuses,
        // and our lock file is removed again
        var e = await Assert.ThrowsAsync<RepositoryException>(() => RepositoryLock.AcquireAsync(repo, exclusive: false, Ct,
            ct => WriteLockAsync(repo, exclusive: true, pid: Environment.ProcessId, GoTime.Now())));
        Assert.Equal(RepositoryErrorKind.Locked, e.Kind);
        Assert.Single(await repo.ListIdsAsync(FileType.Lock, Ct));
    }
}
