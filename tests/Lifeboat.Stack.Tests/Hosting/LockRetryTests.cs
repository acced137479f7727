using System.Diagnostics;
using Lifeboat.Engine;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.Stack.Hosting;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Stack.Tests.Hosting;

/// <summary>--retry-lock on an in-memory repository, with another (live) process's lock written as restic writes it.</summary>
public class LockRetryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Short waits, so that a test takes a fraction of a second.</summary>
    private static LockRetryPolicy Retry(int milliseconds) =>
        new(TimeSpan.FromMilliseconds(milliseconds)) { FirstWait = TimeSpan.FromMilliseconds(50), MaxWait = TimeSpan.FromMilliseconds(100) };

    private static async Task<(Repo Repo, MemoryBackend Backend)> MakeAsync()
    {
        var backend = new MemoryBackend();
        return (await Repo.InitAsync(backend, "pw", 2, new RepositoryOptions(), (1024, 8, 1), cancellationToken: Ct), backend);
    }

    /// <summary>An exclusive lock of a process on another host, written just now: live, whatever its PID.</summary>
    private static async Task<string> LockElsewhereAsync(Repo repo, TimeSpan age = default)
    {
        var time = DateTimeOffset.UtcNow - age;
        var info = new LockInfo(new GoTime(time.ToUnixTimeSeconds(), 0, 0), true, "elsewhere", "someone", 4242, 0, 0);
        return (await repo.SaveUnpackedAsync(FileType.Lock, info.ToJson(), Ct)).ToString();
    }

    [Fact]
    public async Task WithoutRetry_ALiveLockFailsAtOnce_AndNothingIsSaid()
    {
        var (repo, _) = await MakeAsync();
        await using var _ = repo;
        await LockElsewhereAsync(repo);
        var said = new List<string>();
        var e = await Assert.ThrowsAsync<RepositoryException>(() => LockRetry.AcquireAsync(repo, exclusive: false, retry: null, null, said.Add, Ct));
        Assert.Equal(RepositoryErrorKind.Locked, e.Kind);
        Assert.Empty(said);
    }

    [Fact]
    public async Task ALockThatStays_FailsAfterTheDuration_WithTheLockError_HavingSaidOnceThatItWaits()
    {
        var (repo, _) = await MakeAsync();
        await using var _ = repo;
        await LockElsewhereAsync(repo);
        var said = new List<string>();
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<RepositoryException>(() => LockRetry.AcquireAsync(repo, exclusive: false, Retry(400), null, said.Add, Ct));
        Assert.Equal(RepositoryErrorKind.Locked, e.Kind);
        Assert.Contains("repository is already locked", e.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(10));
        Assert.Equal(["repo already locked, waiting up to 400ms for the lock"], said);
    }

    [Fact]
    public async Task ALockThatGoesAway_IsTakenWhileWaiting_AndTheIndexLoadsOnce()
    {
        var (repo, backend) = await MakeAsync();
        await using var _ = repo;
        var other = await LockElsewhereAsync(repo);
        int loads = 0;
        var said = new List<string>();
        // the waiting message is the event: the first attempt found the lock and the retry loop is waiting
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var acquiring = LockRetry.AcquireAsync(repo, exclusive: true, Retry(10_000), _ => { loads++; return Task.CompletedTask; },
            message => { said.Add(message); waiting.TrySetResult(); }, Ct);
        await waiting.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.False(acquiring.IsCompleted);
        await backend.DeleteAsync(FileType.Lock, other, Ct);

        await using (var held = await acquiring)
        {
            Assert.Single(said);
            Assert.Equal(1, loads);
            // ours is the only lock now
            Assert.Single(await RepositoryLock.ListAsync(repo, Ct));
        }
        Assert.Empty(await RepositoryLock.ListAsync(repo, Ct));
    }

    [Fact]
    public async Task AStaleLockIsNotWaitedFor()
    {
        var (repo, _) = await MakeAsync();
        await using var _ = repo;
        await LockElsewhereAsync(repo, age: TimeSpan.FromHours(1));
        var said = new List<string>();
        await using var held = await LockRetry.AcquireAsync(repo, exclusive: true, Retry(10_000), null, said.Add, Ct);
        Assert.Empty(said);
    }

    [Fact]
    public void TheWaitingMessageIsRestics() =>
        Assert.Equal("repo already locked, waiting up to 1h30m0s for the lock", LockRetry.WaitingMessage(TimeSpan.FromMinutes(90)));
}
