using Lifeboat.Engine;
using Lifeboat.Engine.Repository;
using Lifeboat.TestSupport;
using static Lifeboat.Interop.Tests.Interop;

namespace Lifeboat.Interop.Tests;

/// <summary>The edge-case tree through Lifeboat and the real restic 0.14, in both directions, and dedup between them.</summary>
public sealed class RoundTripTests(EdgeTreeFixture tree) : IClassFixture<EdgeTreeFixture>
{
    private string Source => tree.Source;

    [Theory]
    [InlineData(2)]
    [InlineData(1)]
    public async Task LifeboatBackup_ResticChecksRestoresAndLists(int version)
    {
        using var work = new TempDirectory("lifeboat-rt");
        var repoPath = work.Combine("repo");
        Id snapshotId;
        List<string> lifeboatPaths;
        await using (var repo = await InitAsync(repoPath, version))
        {
            var errors = new BackupErrors();
            var result = await BackupAsync(repo, [Source], observer: errors);
            Assert.True(result.Statistics.Errors == 0, errors.ToString());
            Assert.NotNull(result.SnapshotId);
            snapshotId = result.SnapshotId!.Value;
            lifeboatPaths = await ListTreeAsync(repo, result.Snapshot.Tree);
        }

        using var restic = new Restic(repoPath, Password);
        AssertCheck(restic);

        var target = work.Combine("restored");
        restic.Restore("latest", target);
        var diffs = TreeComparer.Compare(Source, target + Source);
        Assert.True(diffs.Count == 0, "restic's restore of Lifeboat's snapshot differs from the source: " + Differences(diffs));

        var resticPaths = ResticLs(restic, snapshotId.ToString());
        Assert.Equal(lifeboatPaths.Order(StringComparer.Ordinal), resticPaths.Order(StringComparer.Ordinal));
        Assert.Equal(tree.Summary.Entries, resticPaths.Count(p => p.StartsWith(GoDisplay(Source) + "/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ResticBackup_LifeboatRestoresIdentically()
    {
        using var work = new TempDirectory("lifeboat-rt");
        var repoPath = work.Combine("repo");
        using var restic = new Restic(repoPath, Password);
        restic.Init();
        restic.Backup(Source);

        await using var repo = await OpenAsync(repoPath);
        var snapshot = await repo.FindSnapshotAsync("latest", null, Ct);
        var target = work.Combine("restored");
        var (restorer, errors) = await RestoreAsync(repo, snapshot.Tree, target);
        Assert.True(errors.Items.IsEmpty, errors.ToString());
        Assert.Equal(0, restorer.Statistics.Errors);
        var diffs = TreeComparer.Compare(Source, target + Source);
        Assert.True(diffs.Count == 0, "Lifeboat's restore of restic's snapshot differs from the source: " + Differences(diffs));
    }

    [Fact]
    public async Task Dedup_BothWays_AddsNoDataBlobs()
    {
        using var work = new TempDirectory("lifeboat-rt");

        // restic first, then Lifeboat (forced to read every file) into the same repository.
        var resticRepo = work.Combine("restic-repo");
        using (var restic = new Restic(resticRepo, Password))
        {
            restic.Init();
            restic.Backup(Source);
            HashSet<Id> before;
            await using (var repo = await OpenAsync(resticRepo))
            {
                before = DataBlobIds(repo);
                var result = await BackupAsync(repo, [Source], force: true);
                Assert.Equal(0, result.Statistics.Errors);
                Assert.Equal(0, result.Statistics.DataBlobs);
            }
            await using (var reopened = await OpenAsync(resticRepo))
                Assert.Equal(before.Order(), DataBlobIds(reopened).Order());
            AssertCheck(restic, readData: false);
            Assert.Equal(2, restic.RunChecked("snapshots", "--json").Stdout.Split("\"tree\"").Length - 1);
        }

        // Lifeboat first (v2), then restic --force into the same repository.
        var lifeboatRepo = work.Combine("lifeboat-repo");
        await using (var repo = await InitAsync(lifeboatRepo, 2))
            Assert.Equal(0, (await BackupAsync(repo, [Source])).Statistics.Errors);
        using (var restic = new Restic(lifeboatRepo, Password))
        {
            var output = restic.Backup(Source, "--force").Stdout;
            var summary = output.Split('\n').Single(l => l.Contains("\"message_type\":\"summary\""));
            using var doc = System.Text.Json.JsonDocument.Parse(summary);
            Assert.True(doc.RootElement.GetProperty("data_blobs").GetInt32() == 0, "restic added data blobs to Lifeboat's repository: " + summary);
            AssertCheck(restic, readData: false);
        }
    }

    /// <summary>Each uses the other's snapshot as its parent: the node metadata (inode, ctime, mtime, size) must agree so that nothing is re-read.</summary>
    [Fact]
    public async Task ParentSnapshot_FromTheOtherTool_ReusesEveryFile()
    {
        using var work = new TempDirectory("lifeboat-rt");
        long files = tree.Summary.Files + tree.Summary.HardLinkNames;
        var host = Lifeboat.Engine.Platform.Posix.HostName;

        // Lifeboat first, then restic with Lifeboat's snapshot as parent.
        var repoPath = work.Combine("repo");
        await using (var repo = await InitAsync(repoPath, 2))
            Assert.Equal(0, (await BackupAsync(repo, [Source], hostname: host)).Statistics.Errors);
        using var restic = new Restic(repoPath, Password);
        var summaryLine = restic.Backup(Source, "--host", host).Stdout.Split('\n').Single(l => l.Contains("\"message_type\":\"summary\""));
        string resticSnapshot;
        using (var doc = System.Text.Json.JsonDocument.Parse(summaryLine))
        {
            var s = doc.RootElement;
            resticSnapshot = s.GetProperty("snapshot_id").GetString()!;
            Assert.True(s.GetProperty("files_unmodified").GetInt64() == files && s.GetProperty("files_changed").GetInt64() == 0 && s.GetProperty("files_new").GetInt64() == 0,
                $"restic with Lifeboat's snapshot as parent re-read files: {summaryLine}");
        }

        // And Lifeboat with restic's snapshot (the latest) as parent.
        await using (var repo = await OpenAsync(repoPath))
        {
            var result = await BackupAsync(repo, [Source], hostname: host);
            Assert.Equal(0, result.Statistics.Errors);
            Assert.StartsWith(resticSnapshot, result.Parent!.Id.ToString());
            Assert.Equal(files, result.Statistics.FilesUnmodified);
            Assert.Equal(0, result.Statistics.FilesNew + result.Statistics.FilesChanged);
            Assert.Equal(0, result.Statistics.DataBlobs);
        }
        AssertCheck(restic, readData: false);
    }

    /// <summary>Restoring again over an earlier restore (read-only directories, hard links, symlinks in place) gives the same tree.</summary>
    [Fact]
    public async Task RestoreTwiceIntoTheSameTarget_IsStillIdentical()
    {
        using var work = new TempDirectory("lifeboat-rt");
        var repoPath = work.Combine("repo");
        await using var repo = await InitAsync(repoPath, 2);
        var snapshot = (await BackupAsync(repo, [Source])).Snapshot;
        var target = work.Combine("restored");
        for (int round = 1; round <= 2; round++)
        {
            var (_, errors) = await RestoreAsync(repo, snapshot.Tree, target);
            Assert.True(errors.Items.IsEmpty, $"round {round}: {errors}");
            var diffs = TreeComparer.Compare(Source, target + Source);
            Assert.True(diffs.Count == 0, $"round {round}: " + Differences(diffs));
        }
    }
}
