using System.Text;
using Lifeboat.Engine;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Repository;
using Lifeboat.TestSupport;
using static Lifeboat.Interop.Tests.Interop;

namespace Lifeboat.Interop.Tests;

/// <summary>Damage that touches one part of a snapshot must not cost the rest, nor go unreported.</summary>
public sealed class RestoreRobustnessTests
{
    /// <summary>Backs up <paramref name="source"/> into a new repository, then flips a byte of the first data blob of one file.</summary>
    private static async Task<(string RepoPath, Snapshot Snapshot)> BackUpAndDamageFirstBlobAsync(TempDirectory work, string source, string file)
    {
        var repoPath = work.Combine("repo");
        Snapshot snapshot;
        await using (var repo = await InitAsync(repoPath, 2))
            snapshot = (await BackupAsync(repo, [source])).Snapshot;
        await using (var repo = await OpenAsync(repoPath))
        {
            var node = await repo.FindNodeAsync(snapshot.Tree, source + "/" + file, Ct);
            Assert.True(repo.Index.TryLookup(BlobType.Data, node!.Content![0], out var location));
            FlipByte(PackPath(repoPath, location.PackId), location.Blob.Offset + 100);
        }
        return (repoPath, snapshot);
    }

    [Fact]
    public async Task DamagedHardLinkedFile_EveryNameIsReported()
    {
        using var work = new TempDirectory("lifeboat-rob");
        var source = work.Combine("src");
        Directory.CreateDirectory(source);
        var data = new byte[200_000];
        new Random(3).NextBytes(data);
        await File.WriteAllBytesAsync(Path.Combine(source, "a.bin"), data, Ct);
        Posix.Link(Path.Combine(source, "a.bin"), Path.Combine(source, "b.bin"));
        await File.WriteAllTextAsync(Path.Combine(source, "c.txt"), "fine\n", Ct);
        var (repoPath, snapshot) = await BackUpAndDamageFirstBlobAsync(work, source, "a.bin");
        await using (var repo = await OpenAsync(repoPath))
        {
            var target = work.Combine("restored");
            var (_, errors) = await RestoreAsync(repo, snapshot.Tree, target);
            var restored = target + source;
            Assert.Contains(errors.Items, i => i.Path == FsNames.Join(restored, "a.bin"));
            // b.bin is the same damaged file under a second name: it is not restored, and the user must be told so.
            bool bExists = Posix.TryLStat(FsNames.Join(restored, "b.bin"), out _, out _);
            Assert.True(bExists || errors.Items.Any(i => i.Path == FsNames.Join(restored, "b.bin")),
                $"b.bin (hard link to the damaged a.bin) was silently left out of the restore; reported:\n{errors}");
            await AssertUnreportedFilesCorrectAsync(repo, snapshot.Tree, target, errors);
            Assert.Equal("fine\n", File.ReadAllText(FsNames.Join(restored, "c.txt")));
        }
    }

    [Fact]
    public async Task DamagedBlobSharedByFiles_EveryFileIsReported_AndTheRestIsRestored()
    {
        using var work = new TempDirectory("lifeboat-rob");
        var source = work.Combine("src");
        Directory.CreateDirectory(Path.Combine(source, "sub"));
        var data = new byte[150_000];
        new Random(5).NextBytes(data);
        // one blob, wanted by three files in two directories: it is decoded once and its failure reaches each
        foreach (var name in new[] { "x.bin", "y.bin", "sub/z.bin" })
            await File.WriteAllBytesAsync(Path.Combine(source, name), data, Ct);
        var other = new byte[150_000];
        new Random(6).NextBytes(other);
        await File.WriteAllBytesAsync(Path.Combine(source, "sub/ok.bin"), other, Ct);
        var (repoPath, snapshot) = await BackUpAndDamageFirstBlobAsync(work, source, "x.bin");
        await using (var repo = await OpenAsync(repoPath))
        {
            var target = work.Combine("restored");
            var (_, errors) = await RestoreAsync(repo, snapshot.Tree, target);
            var restored = target + source;
            foreach (var name in new[] { "x.bin", "y.bin", "sub/z.bin" })
                Assert.Contains(errors.Items, i => i.Path == restored + "/" + name);
            Assert.Equal(3, errors.Items.Count);
            Assert.Equal(other, File.ReadAllBytes(restored + "/sub/ok.bin"));
        }
    }

    [Fact]
    public async Task MissingSubtree_IsReported_AndTheRestIsRestored()
    {
        using var work = new TempDirectory("lifeboat-rob");
        var repoPath = work.Combine("repo");
        var missingTree = Id.Hash(Encoding.UTF8.GetBytes("a tree that was never stored"));
        await using (var repo = await InitAsync(repoPath, 2))
        {
            var content = Encoding.UTF8.GetBytes("good content\n");
            var blob = Id.Hash(content);
            await repo.SaveBlobAsync(BlobType.Data, blob, content, Ct);
            var t = GoTime.FromUnix(1_600_000_000, 0);
            var file = new Node { Name = "file.txt", Type = NodeType.File, Mode = 0x1A4, Size = (ulong)content.Length, Links = 1, Content = [blob], ModTime = t, AccessTime = t, ChangeTime = t };
            var (good, _, _) = await repo.SaveTreeAsync(new Tree([file]), Ct);
            var root = new Tree(
            [
                new Node { Name = "a-good", Type = NodeType.Dir, Mode = 0x800001ED, Subtree = good, ModTime = t, AccessTime = t, ChangeTime = t },
                new Node { Name = "b-lost", Type = NodeType.Dir, Mode = 0x800001ED, Subtree = missingTree, ModTime = t, AccessTime = t, ChangeTime = t },
                new Node { Name = "c-good", Type = NodeType.Dir, Mode = 0x800001ED, Subtree = good, ModTime = t, AccessTime = t, ChangeTime = t },
            ]);
            var (rootId, _, _) = await repo.SaveTreeAsync(root, Ct);
            await repo.FlushAsync(Ct);
            await repo.SaveSnapshotAsync(new Snapshot { Time = GoTime.Now(), Tree = rootId, Paths = ["/x"], Hostname = "h", Username = "root" }, Ct);
        }

        // restic restores what it can and names the missing tree.
        using var restic = new Restic(repoPath, Password);
        var resticTarget = work.Combine("restic");
        var r = restic.Run("restore", "latest", "--target", resticTarget);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains(missingTree.ToString(), r.Stderr + r.Stdout);
        Assert.Equal("good content\n", File.ReadAllText(Path.Combine(resticTarget, "c-good/file.txt")));

        await using (var repo = await OpenAsync(repoPath))
        {
            var target = work.Combine("restored");
            var snapshot = await repo.FindSnapshotAsync("latest", null, Ct);
            RestoreErrors errors;
            try
            {
                (_, errors) = await RestoreAsync(repo, snapshot.Tree, target);
            }
            catch (RepositoryException e)
            {
                // The whole restore stopped at the first damaged directory: files planned before it are left on disk
                // sized but without their content.
                var leftover = Path.Combine(target, "a-good/file.txt");
                string state = File.Exists(leftover) ? $"{leftover} was left holding {Convert.ToHexString(File.ReadAllBytes(leftover))}" : "";
                Assert.Fail($"one missing subtree aborted the whole restore ({e.Kind}: {e.Message}); {state}");
                return;
            }
            Assert.Contains(errors.Items, i => i.Error.Message.Contains(missingTree.ToString()));
            Assert.Equal("good content\n", File.ReadAllText(Path.Combine(target, "a-good/file.txt")));
            Assert.Equal("good content\n", File.ReadAllText(Path.Combine(target, "c-good/file.txt")));
        }
    }
}
