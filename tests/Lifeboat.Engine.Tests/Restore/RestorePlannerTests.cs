using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Restore;
using Lifeboat.TestSupport;

namespace Lifeboat.Engine.Tests.Restore;

/// <summary>The planner on an in-memory repository: content planned by pack at the right file offsets, and the filters.</summary>
public class RestorePlannerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record Planned(RestorePlan Plan, RestoreStatistics Statistics, List<string> Errors);

    private static async Task<Planned> PlanAsync(RestoreRepository repo, Id root, string target, RestoreOptions? options = null)
    {
        var plan = new RestorePlan(target);
        var statistics = new RestoreStatistics();
        var errors = new ErrorList();
        var failures = new ItemFailures(statistics, errors);
        using var rootHandle = Lifeboat.Engine.Platform.Posix.OpenDirectory(target);
        using var planner = new RestorePlanner(repo.Repository, plan, new RestoreFilter(options ?? new RestoreOptions()),
            new MetadataWriter(restoreOwnership: false, failures), failures, statistics, dryRun: false, rootHandle);
        await planner.PlanTreeAsync(root, freshRoot: false, Ct);
        planner.Finish();
        return new Planned(plan, statistics, errors.Errors);
    }

    private static List<(string File, long Offset, Id Blob)> Places(RestorePlan plan, Id pack) =>
        [.. plan.Packs[pack].Select(b => (plan.FilePath(b.File), b.Offset, b.Blob.Id)).OrderBy(p => p.Item1, StringComparer.Ordinal).ThenBy(p => p.Offset)];

    [Fact]
    public async Task PlansContentByPack_EachBlobAtItsOffsetInEachFileThatNeedsIt()
    {
        await using var repo = await RestoreRepository.CreateAsync();
        using var target = new TempDirectory();
        // pack 1: "alpha-", "beta--"; pack 2: "gamma", "delta"
        var alpha = await repo.BlobAsync("alpha-");
        var beta = await repo.BlobAsync("beta--");
        await repo.FlushAsync();
        var gamma = await repo.BlobAsync("gamma");
        var delta = await repo.BlobAsync("delta");
        var one = RestoreRepository.File("one", [alpha, beta, gamma], 17);
        var two = RestoreRepository.File("two", [beta, delta], 11);
        var root = await repo.TreeAsync(await repo.DirAsync("d", 0x1ED, one), two);
        await repo.FlushAsync();

        var planned = await PlanAsync(repo, root, target.Path);

        var first = repo.PackOf(alpha);
        var second = repo.PackOf(gamma);
        Assert.NotEqual(first, second);
        Assert.Equal(first, repo.PackOf(beta));
        Assert.Equal(second, repo.PackOf(delta));
        Assert.Equal(2, planned.Plan.Packs.Count);
        var oneFile = target.Path + "/d/one";
        var twoFile = target.Path + "/two";
        Assert.Equal([(oneFile, 0L, alpha), (oneFile, 6L, beta), (twoFile, 0L, beta)], Places(planned.Plan, first));
        Assert.Equal([(oneFile, 12L, gamma), (twoFile, 6L, delta)], Places(planned.Plan, second));
        Assert.Equal(2, planned.Statistics.TotalFiles);
        Assert.Equal(28, planned.Statistics.TotalBytes);
        Assert.Empty(planned.Errors);
    }

    [Fact]
    public async Task ABlobUsedTwiceInOneFile_IsPlannedAtBothOffsets_AndRestoredAtBoth()
    {
        await using var repo = await RestoreRepository.CreateAsync();
        using var target = new TempDirectory();
        var x = await repo.BlobAsync("xxxx");
        var y = await repo.BlobAsync("yy");
        var root = await repo.TreeAsync(RestoreRepository.File("f", [x, y, x], 10));
        await repo.FlushAsync();

        var planned = await PlanAsync(repo, root, target.Path);
        var file = target.Path + "/f";
        Assert.Equal([(file, 0L, x), (file, 4L, y), (file, 6L, x)], Places(planned.Plan, repo.PackOf(x)));
        Assert.Equal(3, planned.Plan.Files[0].Remaining);

        using var restored = new TempDirectory();
        await new Restorer(repo.Repository, new RestoreOptions { Target = restored.Path }).RunAsync(root, Ct);
        Assert.Equal("xxxxyyxxxx", File.ReadAllText(restored.Path + "/f"));
    }

    [Fact]
    public async Task ABlobMissingFromTheIndex_FailsItsFileOnly()
    {
        await using var repo = await RestoreRepository.CreateAsync();
        using var target = new TempDirectory();
        var known = await repo.BlobAsync("known");
        var missing = Id.Hash("not stored"u8);
        var root = await repo.TreeAsync(RestoreRepository.File("bad", [known, missing], 15), RestoreRepository.File("good", [known], 5));
        await repo.FlushAsync();

        var planned = await PlanAsync(repo, root, target.Path);

        var error = Assert.Single(planned.Errors);
        Assert.StartsWith(target.Path + "/bad: ", error);
        Assert.Contains($"data blob {missing} ", error);
        Assert.Contains((target.Path + "/good", 0L, known), Places(planned.Plan, repo.PackOf(known)));
    }

    /// <summary>/data/{keep.txt, skip.tmp, cache/{a, keep.tmp}, sub/{x.tmp, y}}, as restic 0.14 was checked against.</summary>
    private static async Task<Id> SampleAsync(RestoreRepository repo)
    {
        var data = await repo.DirAsync("data", 0x1ED,
            await repo.TextFileAsync("keep.txt", "a"),
            await repo.TextFileAsync("skip.tmp", "b"),
            await repo.DirAsync("cache", 0x1ED, await repo.TextFileAsync("a", "c"), await repo.TextFileAsync("keep.tmp", "d")),
            await repo.DirAsync("sub", 0x1ED, await repo.TextFileAsync("x.tmp", "e"), await repo.TextFileAsync("y", "f")));
        var root = await repo.TreeAsync(data);
        await repo.FlushAsync();
        return root;
    }

    private static List<string> Listing(string root) =>
        [.. Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Select(p => p[root.Length..]).Order(StringComparer.Ordinal)];

    // Each expectation is what restic 0.14's restore left with the same patterns on the same tree.
    [Theory]
    [InlineData(new[] { "*.tmp", "!keep.tmp" }, new string[0], "/data /data/cache /data/cache/a /data/cache/keep.tmp /data/keep.txt /data/sub /data/sub/y")]
    [InlineData(new[] { "/data/cache", "!/data/cache/keep.tmp" }, new string[0], "/data /data/keep.txt /data/skip.tmp /data/sub /data/sub/x.tmp /data/sub/y")]
    [InlineData(new string[0], new[] { "/data", "!/data/cache" }, "/data /data/keep.txt /data/skip.tmp /data/sub /data/sub/x.tmp /data/sub/y")]
    [InlineData(new string[0], new[] { "/data/cache", "!/data/cache/a" }, "/data /data/cache /data/cache/keep.tmp")]
    [InlineData(new string[0], new[] { "*.tmp", "!/data/sub" }, "/data /data/cache /data/cache/keep.tmp /data/skip.tmp")]
    [InlineData(new string[0], new[] { "/data/*", "!/data/sub", "/data/sub/y" }, "/data /data/cache /data/cache/a /data/cache/keep.tmp /data/keep.txt /data/skip.tmp /data/sub /data/sub/y")]
    public async Task IncludesAndExcludes_HonourNegation_AsRestic(string[] excludes, string[] includes, string expected)
    {
        await using var repo = await RestoreRepository.CreateAsync();
        using var target = new TempDirectory();
        var root = await SampleAsync(repo);

        await new Restorer(repo.Repository, new RestoreOptions { Target = target.Path, Excludes = excludes, Includes = includes }).RunAsync(root, Ct);

        Assert.Equal(expected.Split(' '), Listing(target.Path));
    }

    [Fact]
    public async Task InsensitiveIncludes_HonourNegation()
    {
        await using var repo = await RestoreRepository.CreateAsync();
        using var target = new TempDirectory();
        var root = await SampleAsync(repo);

        await new Restorer(repo.Repository, new RestoreOptions { Target = target.Path, InsensitiveIncludes = ["/DATA/SUB", "!*/Y"] }).RunAsync(root, Ct);

        Assert.Equal(["/data", "/data/sub", "/data/sub/x.tmp"], Listing(target.Path));
    }

    [Fact]
    public async Task ADirectoryWithNothingSelectedInside_IsNotLeftBehind()
    {
        await using var repo = await RestoreRepository.CreateAsync();
        using var target = new TempDirectory();
        var root = await SampleAsync(repo);

        var planned = await PlanAsync(repo, root, target.Path, new RestoreOptions { Includes = ["keep.txt", "/data/cache/nothing"] });

        // a file with content is created by its first blob, after planning: /data/cache and /data/sub were entered
        // and removed again, only /data keeps its metadata for the end
        Assert.Equal(["/data"], Listing(target.Path));
        Assert.Equal(target.Path + "/data/keep.txt", planned.Plan.FilePath(0));
        Assert.Equal(1, planned.Plan.Files.Count);
        Assert.Equal(["/data"], planned.Plan.MetadataOrder.Select(d => planned.Plan.DirectoryPath(d)[target.Path.Length..]));
    }
}
