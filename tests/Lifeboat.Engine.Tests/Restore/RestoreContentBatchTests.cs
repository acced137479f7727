using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Restore;
using Lifeboat.TestSupport;

namespace Lifeboat.Engine.Tests.Restore;

/// <summary>
/// The content stage starts on batches of the plan while the walk goes on (<see cref="RestorePlanner.BatchBytes"/>):
/// with a batch handed over after every file, a restore still writes every file whole, with its metadata, from packs
/// read in several batches; hard links find their originals; a directory that cannot be made is reported once, its
/// files not at all.
/// </summary>
public sealed class RestoreContentBatchTests : IDisposable
{
    private readonly TempDirectory _target = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _target.Dispose();

    [Theory]
    [InlineData(1L)]
    [InlineData(200L)]
    [InlineData(RestorePlanner.BatchBytes)]
    public async Task Every_file_is_restored_whole_whatever_the_batch(long batchBytes)
    {
        await using var repo = await RestoreRepository.CreateAsync();
        // three packs, each holding blobs of files all over the tree: every pack is needed by many batches
        var blobs = new List<Id>[3];
        for (int pack = 0; pack < 3; pack++)
        {
            blobs[pack] = [];
            for (int i = 0; i < 40; i++) blobs[pack].Add(await repo.BlobAsync($"pack {pack} blob {i} " + new string((char)('a' + i % 26), i * 7)));
            await repo.FlushAsync();
        }
        string Text(int pack, int i) => $"pack {pack} blob {i} " + new string((char)('a' + i % 26), i * 7);
        var expected = new Dictionary<string, string>(StringComparer.Ordinal);
        var dirs = new List<Node>();
        for (int d = 0; d < 8; d++)
        {
            var files = new List<Node>();
            for (int f = 0; f < 10; f++)
            {
                // a file of three blobs from three packs; the same blob in several files (deduplicated content)
                int i = (d * 10 + f) % 40, j = (d * 3 + f) % 40;
                var content = new List<Id> { blobs[f % 3][i], blobs[(f + 1) % 3][j], blobs[(f + 2) % 3][i] };
                var text = Text(f % 3, i) + Text((f + 1) % 3, j) + Text((f + 2) % 3, i);
                var node = RestoreRepository.File($"f{f}", content, (ulong)System.Text.Encoding.UTF8.GetByteCount(text));
                if (d == 0 && f == 0) (node.Links, node.Inode, node.DeviceId) = (2, 4242, 7);
                files.Add(node);
                expected[$"d{d}/f{f}"] = text;
            }
            if (d == 7)
            {
                // a hard link to d0/f0, planned batches after it
                var link = RestoreRepository.File("link", [blobs[0][0], blobs[1][0], blobs[2][0]], (ulong)System.Text.Encoding.UTF8.GetByteCount(expected["d0/f0"]));
                (link.Links, link.Inode, link.DeviceId) = (2, 4242, 7);
                files.Add(link);
            }
            dirs.Add(await repo.DirAsync($"d{d}", 0x1ED, [.. files]));
        }
        var tooLong = new string('n', 300);
        dirs.Add(await repo.DirAsync(tooLong, 0x1ED, await repo.TextFileAsync("lost.txt", "lost"), await repo.TextFileAsync("lost2.txt", "lost too")));
        var root = await repo.TreeAsync([.. dirs]);
        await repo.FlushAsync();

        var errors = new ErrorList();
        var restorer = new Restorer(repo.Repository, new RestoreOptions { Target = _target.Path + "/r", ContentBatchBytes = batchBytes }, errors);
        await restorer.RunAsync(root, Ct);

        var error = Assert.Single(errors.Errors);
        Assert.StartsWith($"{_target.Path}/r/{tooLong}: ", error);
        foreach (var (path, text) in expected)
        {
            Assert.Equal(text, File.ReadAllText($"{_target.Path}/r/{path}"));
            var status = Posix.LStat($"{_target.Path}/r/{path}");
            Assert.Equal(new Timespec(RestoreRepository.ModTime.UnixSeconds, RestoreRepository.ModTime.Nanoseconds), status.ModTime);
            Assert.Equal(0x1A4u, status.Permissions);
        }
        var original = Posix.LStat($"{_target.Path}/r/d0/f0");
        var linked = Posix.LStat($"{_target.Path}/r/d7/link");
        Assert.Equal(original.Inode, linked.Inode);
    }
}
