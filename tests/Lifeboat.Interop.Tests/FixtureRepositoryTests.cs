using System.Text.Json;
using System.Text.RegularExpressions;
using Lifeboat.Engine;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.TestSupport;
using static Lifeboat.Interop.Tests.Interop;

namespace Lifeboat.Interop.Tests;

/// <summary>Every fixture repository: open, index, snapshots, restore everything; damaged ones report the damage.</summary>
public sealed partial class FixtureRepositoryTests
{
    /// <summary>restic's own test repositories that are damaged on purpose so that restoring some snapshot must fail.</summary>
    private static readonly HashSet<string> DamagedForRestore =
        ["repo-index-missing", "repo-index-missing-blob", "repo-data-missing"];

    private static readonly HashSet<string> NotRepositories = ["backup-data", "test.hl"];

    public static TheoryData<string> ResticRepositories()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Fixtures.Path("reference/fixtures/restic-0.14"), "*.tar.gz").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(file);
            if (NotRepositories.Contains(ShortName(name))) continue;
            data.Add(name);
        }
        return data;
    }

    private static string ShortName(string tarName) => tarName[(tarName.IndexOf("__", StringComparison.Ordinal) + 2)..^".tar.gz".Length];

    [GeneratedRegex("[0-9a-f]{64}|[0-9a-f]{8}")]
    private static partial Regex IdPattern();

    [Theory]
    [MemberData(nameof(ResticRepositories))]
    public async Task ResticFixture_OpensAndRestoresEverySnapshotLikeRestic(string tarName)
    {
        var shortName = ShortName(tarName);
        bool damaged = DamagedForRestore.Contains(shortName);
        using var work = new TempDirectory("lifeboat-fx");
        Fixtures.ExtractTarGz(Fixtures.Path("reference/fixtures/restic-0.14/" + tarName), work.Path);
        var repoPath = work.Combine("repo");

        await using var repo = await OpenAsync(repoPath, "geheim");
        Assert.Equal(1, repo.Version);
        var snapshots = await repo.ListSnapshotsAsync(Ct);
        using var restic = new Restic(repoPath, "geheim");
        var resticIds = JsonDocument.Parse(restic.RunChecked("snapshots", "--json").Stdout).RootElement
            .EnumerateArray().Select(s => s.GetProperty("id").GetString()!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(resticIds, snapshots.Select(s => s.Id.ToString()).Order(StringComparer.Ordinal).ToList());

        int failedSnapshots = 0;
        foreach (var snapshot in snapshots)
        {
            var lbTarget = work.Combine("lb-" + snapshot.Id.ToShortString());
            var resticTarget = work.Combine("restic-" + snapshot.Id.ToShortString());
            RestoreErrors errors;
            try
            {
                (_, errors) = await RestoreAsync(repo, snapshot.Tree, lbTarget);
            }
            catch (RepositoryException e)
            {
                Assert.True(damaged, $"{shortName}: restoring {snapshot} failed: {e.Message}");
                Assert.Equal(RepositoryErrorKind.Damaged, e.Kind);
                Assert.Matches(IdPattern(), e.Message);
                failedSnapshots++;
                continue;
            }
            // restic retries a missing pack for about 45 s, so it only restores what Lifeboat restored cleanly.
            var resticResult = !damaged || errors.Items.IsEmpty
                ? restic.Run("restore", snapshot.Id.ToString(), "--target", resticTarget)
                : new ProcessResult(-1, "", "skipped");
            if (!damaged)
            {
                Assert.True(errors.Items.IsEmpty, $"{shortName}: {snapshot}: {errors}");
                Assert.True(resticResult.ExitCode == 0, $"restic restore failed: {resticResult.Stderr}");
                var diffs = TreeComparer.Compare(resticTarget, lbTarget);
                Assert.True(diffs.Count == 0, $"{shortName}: {snapshot}: Lifeboat's restore differs from restic's: " + Differences(diffs));
                continue;
            }
            if (!errors.Items.IsEmpty)
            {
                failedSnapshots++;
                foreach (var (path, error) in errors.Items)
                {
                    var kind = Assert.IsType<RepositoryException>(error, exactMatch: false).Kind;
                    Assert.Equal(RepositoryErrorKind.Damaged, kind);
                    Assert.Matches(IdPattern(), error.Message);
                }
            }
            // Whatever was restored without an error holds exactly the repository's content.
            await AssertUnreportedFilesCorrectAsync(repo, snapshot.Tree, lbTarget, errors);
            if (errors.Items.IsEmpty && resticResult.ExitCode == 0)
            {
                var diffs = TreeComparer.Compare(resticTarget, lbTarget);
                Assert.True(diffs.Count == 0, $"{shortName}: {snapshot}: Lifeboat's restore differs from restic's: " + Differences(diffs));
            }
        }
        if (damaged) Assert.True(failedSnapshots > 0, $"{shortName} is damaged on purpose, but every snapshot restored without an error");
    }

    [Fact]
    public async Task ResticFixture_S3LegacyLayout_MatchesDefaultLayout()
    {
        using var work = new TempDirectory("lifeboat-fx");
        Fixtures.ExtractTarGz(Fixtures.Path("reference/fixtures/restic-0.14/internal_backend_testdata__repo-layout-default.tar.gz"), work.Combine("default"));
        Fixtures.ExtractTarGz(Fixtures.Path("reference/fixtures/restic-0.14/internal_backend_testdata__repo-layout-s3legacy.tar.gz"), work.Combine("s3legacy"));
        await using var a = await OpenAsync(work.Combine("default/repo"), "geheim");
        var s3Legacy = new Lifeboat.Engine.Storage.LocalBackend(work.Combine("s3legacy/repo"));
        await using var b = await Repository.OpenAsync(s3Legacy, "geheim", new RepositoryOptions(), Ct);
        await b.LoadIndexAsync(Ct);
        Assert.True(s3Legacy.IsS3Legacy);
        Assert.Equal(a.Index.Count, b.Index.Count);
        var sa = await a.ListSnapshotsAsync(Ct);
        var sb = await b.ListSnapshotsAsync(Ct);
        Assert.Equal(3, sa.Count);
        Assert.Equal(sa.Select(s => s.Id), sb.Select(s => s.Id));
        foreach (var (x, y) in sa.Zip(sb))
        {
            var (_, ea) = await RestoreAsync(a, x.Tree, work.Combine("ra-" + x.Id.ToShortString()));
            var (_, eb) = await RestoreAsync(b, y.Tree, work.Combine("rb-" + y.Id.ToShortString()));
            Assert.True(ea.Items.IsEmpty && eb.Items.IsEmpty, ea + "\n" + eb);
            var diffs = TreeComparer.Compare(work.Combine("ra-" + x.Id.ToShortString()), work.Combine("rb-" + y.Id.ToShortString()));
            Assert.True(diffs.Count == 0, Differences(diffs));
        }
    }

    [Theory]
    [InlineData("restic-0.14.0-repo-v1", 1)]
    [InlineData("restic-0.14.0-repo-v2", 2)]
    public async Task GeneratedFixture_RestoresAsManifestAndResticSay(string name, int version)
    {
        using var work = new TempDirectory("lifeboat-gen");
        Fixtures.ExtractTarGz(Fixtures.Path($"reference/fixtures/generated/{name}.tar.gz"), work.Path);
        using var manifestDoc = JsonDocument.Parse(await File.ReadAllBytesAsync(Fixtures.Path($"reference/fixtures/generated/{name}.manifest.json"), Ct));
        var manifest = manifestDoc.RootElement;
        var password = manifest.GetProperty("password").GetString()!;
        var repoPath = work.Combine("repo");

        // Ground truth from the manifest: plaintext length of every blob, and every tree's JSON.
        var blobLength = new Dictionary<string, long>();
        var trees = new Dictionary<string, byte[]>();
        foreach (var pack in manifest.GetProperty("packs").EnumerateObject())
            foreach (var e in pack.Value.GetProperty("entries").EnumerateArray())
            {
                var id = e.GetProperty("id").GetString()!;
                long ul = Num(e.GetProperty("uncompressed_length"));
                blobLength[id] = ul > 0 ? ul : Num(e.GetProperty("length")) - 32;
                if (e.TryGetProperty("tree_json_base64", out var tj)) trees[id] = Convert.FromBase64String(tj.GetString()!);
            }

        await using var repo = await OpenAsync(repoPath, password);
        Assert.Equal(version, repo.Version);
        var manifestIndexBlobs = manifest.GetProperty("index_files").EnumerateObject()
            .SelectMany(f => JsonDocument.Parse(f.Value.GetProperty("json").GetString()!).RootElement.GetProperty("packs").EnumerateArray())
            .SelectMany(p => p.GetProperty("blobs").EnumerateArray().Select(b => b.GetProperty("id").GetString()!)).ToHashSet();
        Assert.Equal(manifestIndexBlobs.Order(), repo.Index.All().Select(b => b.Blob.Id.ToString()).Distinct().Order());

        var snapshots = await repo.ListSnapshotsAsync(Ct);
        Assert.Equal(manifest.GetProperty("snapshot_files").EnumerateObject().Select(s => s.Name).Order(), snapshots.Select(s => s.Id.ToString()).Order());
        using var restic = new Restic(repoPath, password);
        foreach (var snapshot in snapshots)
        {
            var lbTarget = work.Combine("lb-" + snapshot.Id.ToShortString());
            var (_, errors) = await RestoreAsync(repo, snapshot.Tree, lbTarget);
            Assert.True(errors.Items.IsEmpty, errors.ToString());

            int filesChecked = await CheckAgainstManifest(snapshot.Tree.ToString(), lbTarget);
            Assert.True(filesChecked >= 5, $"only {filesChecked} files checked against the manifest");

            var resticTarget = work.Combine("restic-" + snapshot.Id.ToShortString());
            restic.Restore(snapshot.Id.ToString(), resticTarget);
            var diffs = TreeComparer.Compare(resticTarget, lbTarget);
            Assert.True(diffs.Count == 0, $"{snapshot}: Lifeboat's restore differs from restic's: " + Differences(diffs));
        }

        // Walks a tree using the manifest's tree bytes; every file's restored bytes hash chunk by chunk to its content IDs.
        async Task<int> CheckAgainstManifest(string treeId, string dir)
        {
            Assert.True(trees.ContainsKey(treeId), $"tree {treeId} is not in the manifest");
            var tree = Tree.Parse(trees[treeId]);
            int count = 0;
            foreach (var node in tree.Nodes)
            {
                var path = Lifeboat.Engine.FsNames.Join(dir, node.Name);
                if (node.Type == NodeType.Dir) { count += await CheckAgainstManifest(node.Subtree!.Value.ToString(), path); continue; }
                if (node.Type != NodeType.File) continue;
                var bytes = ReadFile(path);
                Assert.True((ulong)bytes.Length == node.Size, $"{path}: {bytes.Length} bytes restored, the manifest says {node.Size}");
                long offset = 0;
                foreach (var blob in node.Content!)
                {
                    long len = blobLength[blob.ToString()];
                    Assert.Equal(blob.ToString(), Sha256Hex(bytes.AsSpan((int)offset, (int)len)));
                    offset += len;
                }
                Assert.Equal(bytes.Length, offset);
                count++;
            }
            return count;
        }
    }

    private static long Num(JsonElement e) => e.ValueKind == JsonValueKind.String ? long.Parse(e.GetString()!) : e.GetInt64();
}
