using Lifeboat.Engine;
using Lifeboat.Engine.Maintenance;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.TestSupport;
using static Lifeboat.Interop.Tests.Interop;

namespace Lifeboat.Interop.Tests;

/// <summary>check finds what restic's check finds, naming the damage; rebuild-index repairs a lost index.</summary>
public sealed class CheckTests
{
    private static async Task<(string Source, string Repo)> MakeRepoAsync(TempDirectory work, int version = 2)
    {
        var source = work.Combine("src");
        Directory.CreateDirectory(Path.Combine(source, "sub"));
        var rnd = new Random(11);
        var big = new byte[2 << 20]; rnd.NextBytes(big);
        await File.WriteAllBytesAsync(Path.Combine(source, "big.bin"), big, Ct);
        await File.WriteAllTextAsync(Path.Combine(source, "sub", "small.txt"), "small file\n", Ct);
        var repoPath = work.Combine("repo");
        // Small packs, so that the repository has several data packs to damage and to select from.
        await using var repo = await InitAsync(repoPath, version, new RepositoryOptions { PackSize = RepositoryOptions.MinPackSize / 8 });
        Assert.Equal(0, (await BackupAsync(repo, [source])).Statistics.Errors);
        return (source, repoPath);
    }

    /// <summary>Runs every step of check, as the CLI does.</summary>
    private static async Task<List<CheckProblem>> CheckAsync(string repoPath, bool readData = false, bool checkUnused = false, string password = Password)
    {
        await using var repo = await OpenAsync(repoPath, password, loadIndex: false);
        var checker = new Checker(repo);
        if (!await checker.LoadIndexAsync(Ct)) return checker.Problems.ToList();
        await checker.CheckPacksAsync(Ct);
        await checker.CheckStructureAsync(Ct);
        if (checkUnused) checker.CheckUnusedBlobs();
        if (readData) await checker.ReadPacksAsync(checker.IndexedPacks.Keys.ToList(), null, Ct);
        return checker.Problems.ToList();
    }

    private static string Describe(IEnumerable<CheckProblem> problems) => string.Join("\n", problems.Select(p => $"{p.Kind}: {p.Message}"));

    private static async Task<Id> DataPackOfAsync(string repoPath)
    {
        await using var repo = await OpenAsync(repoPath);
        // The pack of the largest data blob: the pack holding only "small file\n" is shorter than the byte offsets the
        // tests damage (a flipped byte there hits its header, not a blob), and which pack sorts first is random.
        return repo.Index.All().Where(b => b.Blob.Type == BlobType.Data).OrderByDescending(b => b.Blob.Length).ThenBy(b => b.PackId).First().PackId;
    }

    [Theory]
    [InlineData(2)]
    [InlineData(1)]
    public async Task SoundRepository_PassesLikeRestic(int version)
    {
        using var work = new TempDirectory("lifeboat-chk");
        var (_, repoPath) = await MakeRepoAsync(work, version);
        var problems = await CheckAsync(repoPath, readData: true, checkUnused: true);
        Assert.True(problems.Count == 0, Describe(problems));
        using var restic = new Restic(repoPath, Password);
        AssertCheck(restic);
    }

    [Fact]
    public async Task FlippedByteInPack_IsFoundOnlyByReadData_AndThePackIsNamed()
    {
        using var work = new TempDirectory("lifeboat-chk");
        var (_, repoPath) = await MakeRepoAsync(work);
        var pack = await DataPackOfAsync(repoPath);
        FlipByte(PackPath(repoPath, pack), 100);

        var withoutRead = await CheckAsync(repoPath);
        Assert.True(withoutRead.Count == 0, Describe(withoutRead));
        var problems = await CheckAsync(repoPath, readData: true);
        Assert.NotEmpty(problems);
        Assert.All(problems, p => { Assert.Equal(CheckProblemKind.PackDamaged, p.Kind); Assert.Equal(pack, p.Pack); Assert.Contains(pack.ToString(), p.Message); });
        Assert.Contains(problems, p => p.Message.Contains("does not match")); // the file's hash is not its name
        Assert.Contains(problems, p => p.Blob is not null && p.Message.Contains("does not verify"));
    }

    [Fact]
    public async Task DeletedPack_IsAnErrorWithoutReadData()
    {
        using var work = new TempDirectory("lifeboat-chk");
        var (_, repoPath) = await MakeRepoAsync(work);
        var pack = await DataPackOfAsync(repoPath);
        File.Delete(PackPath(repoPath, pack));
        var problems = await CheckAsync(repoPath);
        var missing = Assert.Single(problems);
        Assert.Equal(CheckProblemKind.PackMissing, missing.Kind);
        Assert.Equal(pack, missing.Pack);
        Assert.True(missing.IsError);
    }

    [Fact]
    public async Task DeletedIndex_OrphansEveryPackAndLosesTheTrees_ThenRebuildIndexRepairsIt()
    {
        using var work = new TempDirectory("lifeboat-chk");
        var (source, repoPath) = await MakeRepoAsync(work);
        foreach (var f in Directory.GetFiles(Path.Combine(repoPath, "index"))) File.Delete(f);

        var problems = await CheckAsync(repoPath);
        int packs = Directory.GetFiles(Path.Combine(repoPath, "data"), "*", SearchOption.AllDirectories).Length;
        Assert.Equal(packs, problems.Count(p => p.Kind == CheckProblemKind.PackOrphaned && !p.IsError));
        var lost = Assert.Single(problems, p => p.IsError);
        Assert.Equal(CheckProblemKind.TreeUnreadable, lost.Kind);
        Assert.Contains("not found in index", lost.Message);
        Assert.NotNull(lost.Snapshot);

        await using (var repo = await OpenAsync(repoPath, loadIndex: false))
        {
            var result = await new IndexRebuilder(repo).RunAsync(readAllPacks: false, Ct);
            Assert.Equal(packs, result.PacksAdded.Count);
            Assert.NotEmpty(result.IndexFilesWritten);
        }
        var after = await CheckAsync(repoPath, readData: true, checkUnused: true);
        Assert.True(after.Count == 0, Describe(after));
        using var restic = new Restic(repoPath, Password);
        AssertCheck(restic);

        await using (var repo = await OpenAsync(repoPath))
        {
            var snapshot = await repo.FindSnapshotAsync("latest", null, Ct);
            var target = work.Combine("restored");
            var (restorer, errors) = await RestoreAsync(repo, snapshot.Tree, target);
            Assert.True(errors.Items.IsEmpty, errors.ToString());
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(source, "big.bin"), Ct), ReadFile(FsNames.Join(target + source, "big.bin")));
        }
    }

    [Fact]
    public async Task RebuildIndex_ReadAllPacks_ReplacesEveryIndexFileAndDropsMissingPacks()
    {
        using var work = new TempDirectory("lifeboat-chk");
        var (_, repoPath) = await MakeRepoAsync(work);
        var oldIndexes = Directory.GetFiles(Path.Combine(repoPath, "index")).Select(Path.GetFileName).ToHashSet();
        await using (var repo = await OpenAsync(repoPath, loadIndex: false))
        {
            var result = await new IndexRebuilder(repo).RunAsync(readAllPacks: true, Ct);
            Assert.True(result.PacksRead > 1);
            Assert.Equal(oldIndexes.Count, result.IndexFilesRemoved.Count);
        }
        var newIndexes = Directory.GetFiles(Path.Combine(repoPath, "index")).Select(Path.GetFileName).ToHashSet();
        Assert.Empty(newIndexes.Intersect(oldIndexes));
        using var restic = new Restic(repoPath, Password);
        AssertCheck(restic);
    }

    [Fact]
    public async Task UnusedBlobs_AreErrorsOnlyWithCheckUnused()
    {
        using var work = new TempDirectory("lifeboat-chk");
        var (source, repoPath) = await MakeRepoAsync(work);
        await File.WriteAllTextAsync(Path.Combine(source, "new.txt"), "only in the second snapshot\n", Ct);
        Id second;
        await using (var repo = await OpenAsync(repoPath)) second = (await BackupAsync(repo, [source])).Snapshot.Id;
        File.Delete(Path.Combine(repoPath, "snapshots", second.ToString()));

        var plain = await CheckAsync(repoPath);
        Assert.True(plain.Count == 0, Describe(plain));
        var problems = await CheckAsync(repoPath, checkUnused: true);
        Assert.NotEmpty(problems);
        Assert.All(problems, p => Assert.Equal(CheckProblemKind.UnusedBlob, p.Kind));
        var newBlob = Id.Hash("only in the second snapshot\n"u8);
        Assert.Contains(problems, p => p.Blob == newBlob);
    }

    /// <summary>restic 0.14's check --read-data verdicts on its own fixture repositories (reference §13.1).</summary>
    public static TheoryData<string, bool> ResticFixtures() => new()
    {
        { "cmd_restic_testdata__small-repo", true },
        { "cmd_restic_testdata__repo-restore-permissions-test", true },
        { "cmd_restic_testdata__repo-same-timestamps", true },
        { "cmd_restic_testdata__copy-unstable-json", true },
        { "cmd_restic_testdata__repo-index-missing", false },
        { "cmd_restic_testdata__repo-index-missing-blob", false },
        { "cmd_restic_testdata__repo-data-missing", false },
        { "cmd_restic_testdata__repo-unused-data-missing", false },
        { "cmd_restic_testdata__repo-unreferenced-data", true },
        { "cmd_restic_testdata__repo-obsolete-index", true },
        { "cmd_restic_testdata__repo-mixed", true },
        { "cmd_restic_testdata__repo-duplicates", true },
        { "internal_backend_testdata__repo-layout-default", true },
        { "internal_checker_testdata__duplicate-packs-in-index-test-repo", true },
    };

    [Theory]
    [MemberData(nameof(ResticFixtures))]
    public async Task ResticFixture_PassesOrFailsAsResticCheckDoes(string fixture, bool resticPasses)
    {
        using var work = new TempDirectory("lifeboat-chk");
        Fixtures.ExtractTarGz(Fixtures.Path($"reference/fixtures/restic-0.14/{fixture}.tar.gz"), work.Path);
        var problems = await CheckAsync(work.Combine("repo"), readData: true, password: "geheim");
        Assert.True(resticPasses == !problems.Any(p => p.IsError), Describe(problems));
        Assert.All(problems.Where(p => p.IsError), p => Assert.True(p.Pack is not null || p.Tree is not null || p.Blob is not null, p.Message));
    }

    [Fact]
    public async Task RebuildIndex_OnResticFixtureWithoutIndex_SatisfiesResticCheck()
    {
        using var work = new TempDirectory("lifeboat-chk");
        Fixtures.ExtractTarGz(Fixtures.Path("reference/fixtures/restic-0.14/cmd_restic_testdata__repo-index-missing.tar.gz"), work.Path);
        var repoPath = work.Combine("repo");
        await using (var repo = await OpenAsync(repoPath, "geheim", loadIndex: false))
            await new IndexRebuilder(repo).RunAsync(readAllPacks: false, Ct);
        using var restic = new Restic(repoPath, "geheim");
        AssertCheck(restic);
        var problems = await CheckAsync(repoPath, readData: true, password: "geheim");
        Assert.False(problems.Any(p => p.IsError), Describe(problems));
    }

    [Fact]
    public void ReadDataSubset_SelectsTheDocumentedShare()
    {
        var rnd = new Random(5);
        var packs = new Dictionary<Id, long>();
        for (int i = 0; i < 1000; i++)
        {
            var bytes = new byte[32]; rnd.NextBytes(bytes);
            packs[new Id(bytes)] = 1000;
        }
        // n/t: the t groups partition the packs by the first byte of the ID.
        var seen = new HashSet<Id>();
        for (int n = 1; n <= 5; n++)
        {
            var group = CheckSubset.Parse($"{n}/5").Select(packs);
            Assert.All(group, id => Assert.Equal(n - 1, id.ToArray()[0] % 5));
            foreach (var id in group) Assert.True(seen.Add(id));
        }
        Assert.Equal(packs.Count, seen.Count);
        Assert.Equal(100, CheckSubset.Parse("10%").Select(packs).Distinct().Count());
        Assert.Single(CheckSubset.Parse("0.01%").Select(packs)); // at least one pack
        Assert.Equal(250, CheckSubset.Parse("250000").Select(packs).Count);
        Assert.Equal(packs.Count, CheckSubset.Parse("1G").Select(packs).Count); // capped at the repository's size
        Assert.Equal(new CheckSubset.Size(2L << 20), CheckSubset.Parse("2M"));
        foreach (var bad in new[] { "0/5", "6/5", "1/257", "0%", "101%", "x", "1/2/3", "" })
            Assert.Throws<FormatException>(() => CheckSubset.Parse(bad));
    }
}
