using Lifeboat.Engine;
using Lifeboat.Engine.Backup;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Repository;
using Lifeboat.TestSupport;
using static Lifeboat.Interop.Tests.Interop;

namespace Lifeboat.Interop.Tests;

/// <summary>
/// A backup with a parent takes shortcuts for unchanged directories (the parent's tree ID, no JSON, no hash) and
/// for unchanged items' attributes (no llistxattr): its trees must be exactly those of a backup without a parent.
/// </summary>
public sealed class NoChangeBackupTests
{
    [Fact]
    public async Task UnchangedTreeKeepsItsIds_MetadataChangesMakeNewTrees_AsABackupWithoutParentWould()
    {
        using var work = new TempDirectory("lifeboat-nochange");
        var source = work.Combine("src");
        var summary = EdgeCaseTree.Create(source, includeLargeFiles: false);
        // plus plain nested directories without attributes: the shortcut's common case
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
            {
                var dir = FsNames.Join(source, $"plain/d{i}/e{j}");
                Directory.CreateDirectory(dir);
                File.WriteAllText(FsNames.Join(dir, "f.txt"), $"file {i} {j}");
            }
        var repoPath = work.Combine("repo");

        await using (var repo = await InitAsync(repoPath, 2))
            await BackupsAsync(repo, source, summary.XattrsApplied);
        using var restic = new Restic(repoPath, Password);
        AssertCheck(restic);
    }

    private static async Task BackupsAsync(Repository repo, string source, bool xattrs)
    {
        var file = FsNames.Join(source, "plain/d1/e2/f.txt");
        var dir12 = FsNames.Join(source, "plain/d1/e2");
        var first = await BackupAsync(repo, [source]);
        Assert.Equal(0, first.Statistics.Errors);

        // No change: the same trees as the parent's, taken without writing any.
        var second = await BackupAsync(repo, [source]);
        Assert.Equal(0, second.Statistics.Errors);
        Assert.Equal(first.SnapshotId, second.Parent?.Id);
        Assert.Equal(await SubtreeAsync(repo, first, source), await SubtreeAsync(repo, second, source));
        Assert.Equal(await SubtreeAsync(repo, first, dir12), await SubtreeAsync(repo, second, dir12));
        Assert.True(second.Statistics.DirsUnmodified >= 13, $"{second.Statistics.DirsUnmodified} unmodified directories");
        await AssertSameAsWithoutParentAsync(repo, second, source);

        // chmod: only the ctime and mode change; the file's directory and all above it get new trees.
        Posix.Chmod(file, 0x180); // 0600
        var third = await BackupAsync(repo, [source]);
        Assert.NotEqual(await SubtreeAsync(repo, second, dir12), await SubtreeAsync(repo, third, dir12));
        Assert.NotEqual(await SubtreeAsync(repo, second, source), await SubtreeAsync(repo, third, source));
        Assert.Equal(await SubtreeAsync(repo, second, FsNames.Join(source, "plain/d0")), await SubtreeAsync(repo, third, FsNames.Join(source, "plain/d0")));
        await AssertSameAsWithoutParentAsync(repo, third, source);

        // An mtime change alone (same size, same content) gives a new tree too.
        var before = Posix.LStat(file);
        Posix.SetTimes(file, before.AccessTime, new Timespec(before.ModTime.Seconds - 100, before.ModTime.Nanoseconds));
        var fourth = await BackupAsync(repo, [source]);
        Assert.NotEqual(await SubtreeAsync(repo, third, dir12), await SubtreeAsync(repo, fourth, dir12));
        await AssertSameAsWithoutParentAsync(repo, fourth, source);

        // A new attribute changes the ctime only: it must be read, not taken from the parent node (which had none).
        if (xattrs)
        {
            Posix.SetXattr(file, "user.nochange", "v"u8);
            var fifth = await BackupAsync(repo, [source]);
            var node = await repo.FindNodeAsync(fifth.Snapshot.Tree, file.TrimStart('/'), Ct);
            Assert.Contains(node!.ExtendedAttributes ?? [], a => a.Name == "user.nochange");
            Assert.NotEqual(await SubtreeAsync(repo, fourth, dir12), await SubtreeAsync(repo, fifth, dir12));
            await AssertSameAsWithoutParentAsync(repo, fifth, source);
        }
    }

    [Fact]
    public async Task ATreeNotWrittenAsGoWritesItIsWrittenAgain()
    {
        // The parent's tree was stored with spaces (another writer): the nodes are the same, the bytes and ID not, so
        // the no-change backup must write the tree anew rather than take the parent's ID.
        using var work = new TempDirectory("lifeboat-nochange");
        var source = work.Combine("src");
        Directory.CreateDirectory(FsNames.Join(source, "d"));
        File.WriteAllText(FsNames.Join(source, "d/f"), "x");
        await using var repo = await InitAsync(work.Combine("repo"), 2);
        var first = await BackupAsync(repo, [source]);
        var dirNode = await repo.FindNodeAsync(first.Snapshot.Tree, FsNames.Join(source, "d").TrimStart('/'), Ct);
        var canonical = (await repo.LoadTreeAsync(dirNode!.Subtree!.Value, Ct)).ToJson();
        var spaced = System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(canonical).Replace("{\"nodes\":[", "{\"nodes\": ["));
        var spacedTree = Tree.Parse(spaced);
        Assert.False(spacedTree.IsCanonical);
        var spacedId = Id.Hash(spaced);
        await repo.SaveBlobAsync(BlobType.Tree, spacedId, spaced, Ct);
        // a parent snapshot whose "d" points at the spaced blob
        var parentRoot = await RewriteAsync(repo, first.Snapshot.Tree, FsNames.Join(source, "d").TrimStart('/').Split('/'), spacedId);
        await repo.FlushAsync(Ct);
        var parentSnapshot = new Snapshot
        {
            Time = GoTime.Now(), Tree = parentRoot, Paths = first.Snapshot.Paths, Hostname = first.Snapshot.Hostname,
            Username = first.Snapshot.Username, Uid = first.Snapshot.Uid, Gid = first.Snapshot.Gid,
        };
        var parentId = await repo.SaveSnapshotAsync(parentSnapshot, Ct);

        var second = await BackupAsync(repo, [source], parent: parentId);
        var secondNode = await repo.FindNodeAsync(second.Snapshot.Tree, FsNames.Join(source, "d").TrimStart('/'), Ct);
        Assert.Equal(dirNode.Subtree, secondNode!.Subtree);
        Assert.NotEqual(spacedId, secondNode.Subtree);
    }

    private static async Task<Id> RewriteAsync(Repository repo, Id tree, string[] path, Id newSubtree)
    {
        var t = await repo.LoadTreeAsync(tree, Ct);
        var node = t.Find(path[0])!;
        node.Subtree = path.Length == 1 ? newSubtree : await RewriteAsync(repo, node.Subtree!.Value, path[1..], newSubtree);
        return (await repo.SaveTreeAsync(t, Ct)).Id;
    }

    private static async Task<Id?> SubtreeAsync(Repository repo, BackupResult result, string dir) =>
        (await repo.FindNodeAsync(result.Snapshot.Tree, dir.TrimStart('/'), Ct))?.Subtree;

    /// <summary>A backup without parent (every tree written and hashed, every attribute read) gives the same trees.</summary>
    private static async Task AssertSameAsWithoutParentAsync(Repository repo, BackupResult withParent, string source)
    {
        var forced = await BackupAsync(repo, [source], force: true);
        Assert.Null(forced.Parent);
        Assert.Equal(await SubtreeAsync(repo, forced, source), await SubtreeAsync(repo, withParent, source));
    }
}
