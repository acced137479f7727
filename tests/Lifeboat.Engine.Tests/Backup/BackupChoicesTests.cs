using Lifeboat.Engine.Backup;
using Lifeboat.Engine.Maintenance;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;
using Lifeboat.TestSupport;

namespace Lifeboat.Engine.Tests.Backup;

/// <summary>
/// The backup choices newer restic users pass: --exclude-larger-than, --skip-if-unchanged, --group-by for the parent,
/// --with-atime, --ignore-inode and --ignore-ctime, as restic's documentation describes each.
/// </summary>
public sealed class BackupChoicesTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly TempDirectory _dir = new("lifeboat-choices");

    public BackupChoicesTests()
    {
        Directory.CreateDirectory(_dir.Combine("src/sub"));
        File.WriteAllText(_dir.Combine("src/small"), "tiny");
        File.WriteAllBytes(_dir.Combine("src/sub/big"), new byte[5000]);
    }

    public void Dispose() => _dir.Dispose();

    private string Src => _dir.Combine("src");

    private Task<BackupResult> RunAsync(StageRepository repo, Func<BackupOptions, BackupOptions>? configure = null)
    {
        var options = new BackupOptions { Paths = [Src], Hostname = "h" };
        return new Archiver(repo.Repository, configure is null ? options : configure(options)).RunAsync(Ct);
    }

    private static readonly FileStatus Regular = new() { Mode = FileModeBits.Regular | 0x1A4 };
    private static readonly FileStatus Directory_ = new() { Mode = FileModeBits.Directory | 0x1ED };

    [Fact]
    public void ExcludeLargerThan_LeavesOutBiggerItems_ButNeverADirectory()
    {
        var rules = new ExcludeRules();
        rules.ExcludeLargerThan(1024);

        Assert.False(rules.IsEmpty);
        Assert.False(rules.IsExcluded("/a", Regular with { Size = 1024 }));
        Assert.True(rules.IsExcluded("/a", Regular with { Size = 1025 }));
        Assert.False(rules.IsExcluded("/d", Directory_ with { Size = 1 << 20 }));
    }

    [Fact]
    public async Task ExcludeLargerThan_KeepsTheBigFileOutOfTheSnapshot()
    {
        await using var repo = await StageRepository.CreateAsync();
        var rules = new ExcludeRules();
        rules.ExcludeLargerThan(1000);

        var result = await RunAsync(repo, o => o with { Excludes = rules });

        Assert.NotNull(await repo.Repository.FindNodeAsync(result.Snapshot.Tree, _dir.Combine("src/small"), Ct));
        Assert.Null(await repo.Repository.FindNodeAsync(result.Snapshot.Tree, _dir.Combine("src/sub/big"), Ct));
        Assert.Equal(1, result.Statistics.FilesNew);
    }

    [Fact]
    public async Task SkipIfUnchanged_SavesNoSnapshot_WhenTheTreeIsTheParents_ButDoesWhenAFileChanged()
    {
        // the snapshot's tree holds the directories above the source too, with their times: any path through /tmp
        // (or /var/tmp, or a CI clone under /tmp) changes with every other test running beside; / alone stays still
        using var quiet = new TempDirectory("lifeboat-skip", "/");
        Directory.CreateDirectory(quiet.Combine("src"));
        File.WriteAllText(quiet.Combine("src/file"), "first");
        await using var repo = await StageRepository.CreateAsync();
        var options = new BackupOptions { Paths = [quiet.Combine("src")], Hostname = "h", SkipIfUnchanged = true };
        await new Archiver(repo.Repository, options).RunAsync(Ct);

        var unchanged = await new Archiver(repo.Repository, options).RunAsync(Ct);
        File.WriteAllText(quiet.Combine("src/file"), "changed");
        var changed = await new Archiver(repo.Repository, options).RunAsync(Ct);

        Assert.True(unchanged.Skipped);
        Assert.Null(unchanged.SnapshotId);
        Assert.False(changed.Skipped);
        Assert.NotNull(changed.SnapshotId);
        Assert.Equal(2, (await repo.Repository.ListSnapshotsAsync(Ct)).Count);
    }

    [Fact]
    public async Task SkipIfUnchanged_WithoutAParent_SavesTheFirstSnapshot()
    {
        await using var repo = await StageRepository.CreateAsync();

        var first = await RunAsync(repo, o => o with { SkipIfUnchanged = true });

        Assert.False(first.Skipped);
        Assert.NotNull(first.SnapshotId);
    }

    [Fact]
    public async Task GroupBy_ChoosesWhatTheParentMustShare()
    {
        await using var repo = await StageRepository.CreateAsync();
        var otherHost = await RunAsync(repo, o => o with { Hostname = "other" });

        // restic's default (host,paths): another host's snapshot is no parent
        var byHost = await RunAsync(repo);
        Assert.Null(byHost.Parent);
        // by paths alone, the other host's snapshot of the same paths is (the newest: byHost's own)
        var byPaths = await RunAsync(repo, o => o with { Hostname = "third", ParentGroupBy = ForgetGrouping.Parse("paths") });
        Assert.Equal(byHost.SnapshotId, byPaths.Parent?.Id);
        // by tags: only a snapshot with all of this backup's tags
        var tagged = await RunAsync(repo, o => o with { Tags = ["t"], ParentGroupBy = ForgetGrouping.Parse("host,paths,tags") });
        Assert.Null(tagged.Parent);
        var again = await RunAsync(repo, o => o with { Tags = ["t"], ParentGroupBy = ForgetGrouping.Parse("host,paths,tags") });
        Assert.Equal(tagged.SnapshotId, again.Parent?.Id);
        Assert.NotEqual(otherHost.SnapshotId, again.Parent?.Id);
    }

    [Fact]
    public async Task WithAtime_RecordsTheAccessTime_ElseTheModificationTimeStandsForIt()
    {
        var file = _dir.Combine("src/small");
        File.SetLastWriteTimeUtc(file, new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        File.SetLastAccessTimeUtc(file, new DateTime(2021, 6, 1, 0, 0, 0, DateTimeKind.Utc));
        await using var repo = await StageRepository.CreateAsync();

        var plain = await repo.Repository.FindNodeAsync((await RunAsync(repo)).Snapshot.Tree, file, Ct);
        var withAtime = await repo.Repository.FindNodeAsync((await RunAsync(repo, o => o with { WithAccessTime = true, Force = true })).Snapshot.Tree, file, Ct);

        Assert.Equal(plain!.ModTime, plain.AccessTime);
        Assert.Equal(new DateTimeOffset(2021, 6, 1, 0, 0, 0, TimeSpan.Zero), withAtime!.AccessTime.ToDateTimeOffset());
    }

    [Theory]
    [InlineData(false, false, false)]
    [InlineData(true, false, true)]
    [InlineData(false, true, false)]
    public void IgnoreInode_AndIgnoreCtime_LeaveTheirFieldOutOfTheComparison(bool ignoreInode, bool ignoreCtime, bool unchangedWithNewInode)
    {
        var st = Regular with { Size = 4, Inode = 7, ModTime = new Timespec(100, 5), ChangeTime = new Timespec(200, 6) };
        var old = new Node
        {
            Name = "f", Type = NodeType.File, Size = 4, Inode = 7, Content = [],
            ModTime = GoTime.FromUnix(100, 5), ChangeTime = GoTime.FromUnix(200, 6),
        };

        Assert.True(FileSaver.Unchanged(st, old, ignoreInode, ignoreCtime, out _));
        Assert.Equal(unchangedWithNewInode, FileSaver.Unchanged(st with { Inode = 8 }, old, ignoreInode, ignoreCtime, out _));
        Assert.Equal(ignoreCtime, FileSaver.Unchanged(st with { ChangeTime = new Timespec(300, 0) }, old, ignoreInode, ignoreCtime, out _));
        Assert.False(FileSaver.Unchanged(st with { ModTime = new Timespec(101, 5) }, old, ignoreInode, ignoreCtime, out _));
        Assert.False(FileSaver.Unchanged(st with { Size = 5 }, old, ignoreInode, ignoreCtime, out _));
    }
}
