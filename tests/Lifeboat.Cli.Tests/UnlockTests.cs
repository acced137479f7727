using Lifeboat.Engine;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

public class UnlockTests : CliTestBase
{
    private static GoTime Ago(TimeSpan age)
    {
        var t = DateTimeOffset.UtcNow - age;
        return new GoTime(t.ToUnixTimeSeconds(), 0, 0);
    }

    private async Task<Id> WriteLockAsync(LockInfo info)
    {
        await using var repo = await Repository.OpenAsync(new LocalBackend(Repo), Password, new RepositoryOptions(), TestContext.Current.CancellationToken);
        return await repo.SaveUnpackedAsync(FileType.Lock, info.ToJson(), TestContext.Current.CancellationToken);
    }

    private int LockCount() => Directory.Exists(Path.Combine(Repo, "locks")) ? Directory.GetFiles(Path.Combine(Repo, "locks")).Length : 0;

    [Fact]
    public async Task Unlock_RemovesOnlyStaleLocks_AndRemoveAllTheRest()
    {
        using var restic = new Restic(Repo, Password);
        restic.Init();
        WriteFile("a.txt", "hello");
        restic.Backup(Source);

        // stale by age (another host), stale by a dead process on this host, and a live lock elsewhere
        await WriteLockAsync(new LockInfo(Ago(TimeSpan.FromHours(2)), true, "elsewhere", "u", 1, 0, 0));
        int deadPid = 4_000_000;
        Assert.False(Posix.ProcessExists(deadPid));
        await WriteLockAsync(new LockInfo(Ago(TimeSpan.FromMinutes(1)), true, Posix.HostName, "u", deadPid, 0, 0));
        var live = await WriteLockAsync(new LockInfo(Ago(TimeSpan.FromMinutes(1)), false, "elsewhere", "u", 1, 0, 0));
        Assert.Equal(3, LockCount());

        var r = Cli.RunChecked("unlock");
        Assert.Contains("successfully removed locks", r.Stdout);
        Assert.Equal(1, LockCount());
        Assert.True(File.Exists(Path.Combine(Repo, "locks", live.ToString())));
        // the remaining lock is shared: restic can still read
        Assert.Equal(0, restic.Run("snapshots").ExitCode);
        Assert.NotEqual(0, restic.Run("check").ExitCode); // check wants an exclusive lock

        Cli.RunChecked("unlock", "--remove-all");
        Assert.Equal(0, LockCount());
        Assert.Equal(0, restic.Run("check").ExitCode);
    }
}
