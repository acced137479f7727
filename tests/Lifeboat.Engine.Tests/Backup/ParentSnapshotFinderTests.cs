using Lifeboat.Engine.Backup;
using Lifeboat.Engine.Model;

namespace Lifeboat.Engine.Tests.Backup;

/// <summary>Which snapshot a backup takes as its parent: restic's rule, --parent and --force.</summary>
public sealed class ParentSnapshotFinderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static BackupOptions Options(Id? parent = null, bool force = false) =>
        new() { Paths = ["/srv"], Hostname = "h", Parent = parent, Force = force };

    /// <summary>Snapshots saved in time order; their IDs.</summary>
    private static async Task<List<Id>> SaveAsync(StageRepository repo, params (string Host, string[] Paths)[] snapshots)
    {
        var ids = new List<Id>();
        for (int i = 0; i < snapshots.Length; i++)
        {
            var (host, paths) = snapshots[i];
            ids.Add(await repo.Repository.SaveSnapshotAsync(new Snapshot
            {
                Time = GoTime.FromUnix(1_700_000_000 + i * 60, 0),
                Tree = Id.Hash([(byte)i]),
                Paths = [.. paths],
                Hostname = host,
            }, Ct));
        }
        return ids;
    }

    [Fact]
    public async Task TheNewestSnapshotOfThisHost_WithAllOurPaths()
    {
        await using var repo = await StageRepository.CreateAsync();
        var ids = await SaveAsync(repo,
            ("h", ["/srv"]),
            ("h", ["/home", "/srv"]), // the one: newest of this host that includes /srv
            ("other", ["/srv"]),
            ("h", ["/home"]));

        var parent = await ParentSnapshotFinder.FindAsync(repo.Repository, Options(), ["/srv"], Ct);

        Assert.Equal(ids[1], parent?.Id);
    }

    [Fact]
    public async Task None_WhenNoSnapshotFits()
    {
        await using var repo = await StageRepository.CreateAsync();
        await SaveAsync(repo, ("other", ["/srv"]), ("h", ["/home"]));

        Assert.Null(await ParentSnapshotFinder.FindAsync(repo.Repository, Options(), ["/srv"], Ct));
    }

    [Fact]
    public async Task TheGivenParent_OrNoneWithForce()
    {
        await using var repo = await StageRepository.CreateAsync();
        var ids = await SaveAsync(repo, ("h", ["/srv"]), ("h", ["/srv"]));

        var given = await ParentSnapshotFinder.FindAsync(repo.Repository, Options(parent: ids[0]), ["/srv"], Ct);
        var forced = await ParentSnapshotFinder.FindAsync(repo.Repository, Options(force: true), ["/srv"], Ct);

        Assert.Equal(ids[0], given?.Id);
        Assert.Null(forced);
    }
}
