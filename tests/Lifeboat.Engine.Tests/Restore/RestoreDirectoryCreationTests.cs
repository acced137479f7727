using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Restore;
using Lifeboat.TestSupport;

namespace Lifeboat.Engine.Tests.Restore;

/// <summary>
/// Directories below one the restore made are made beside the walk (<see cref="DirectoryCreator"/>): all of them,
/// parents first, with their metadata at the end; one that cannot be made costs only itself and what is inside.
/// </summary>
public sealed class RestoreDirectoryCreationTests : IDisposable
{
    private readonly TempDirectory _target = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _target.Dispose();

    [Fact]
    public async Task A_deep_and_wide_tree_is_made_whole_with_every_directory_s_mode_and_times()
    {
        await using var repo = await RestoreRepository.CreateAsync();
        // 60 top-level directories, each a chain 8 deep with a file and 4 empty siblings at every level: 3,000
        // directories, more than the creator's queue holds at once
        var tops = new List<Node>();
        for (int t = 0; t < 60; t++)
        {
            Node? below = null;
            for (int depth = 7; depth >= 0; depth--)
            {
                var children = new List<Node> { await repo.TextFileAsync("f", $"{t}/{depth}") };
                for (int e = 0; e < 4; e++) children.Add(await repo.DirAsync($"empty{e}", 0x1E8 /* 0750 */));
                if (below is not null) children.Add(below);
                below = await repo.DirAsync(depth == 0 ? $"top{t:00}" : $"d{depth}", 0x1ED, [.. children]);
            }
            tops.Add(below!);
        }
        var root = await repo.TreeAsync([.. tops]);
        await repo.FlushAsync();

        var errors = new ErrorList();
        var restorer = new Restorer(repo.Repository, new RestoreOptions { Target = _target.Path + "/new" }, errors);
        await restorer.RunAsync(root, Ct);

        Assert.Empty(errors.Errors);
        var directories = Directory.GetDirectories(_target.Path + "/new", "*", SearchOption.AllDirectories);
        Assert.Equal(60 * 8 * 5, directories.Length);
        foreach (var dir in directories)
        {
            var status = Posix.LStat(dir);
            Assert.Equal(Path.GetFileName(dir).StartsWith("empty", StringComparison.Ordinal) ? 0x1E8u : 0x1EDu, status.Permissions);
            Assert.Equal(new Timespec(RestoreRepository.ModTime.UnixSeconds, RestoreRepository.ModTime.Nanoseconds), status.ModTime);
        }
        Assert.Equal("59/7", File.ReadAllText(_target.Path + "/new/top59/d1/d2/d3/d4/d5/d6/d7/f"));
    }

    [Fact]
    public async Task A_directory_that_cannot_be_made_is_reported_once_and_everything_beside_it_is_restored()
    {
        await using var repo = await RestoreRepository.CreateAsync();
        // a name longer than the file system takes (255 bytes): its mkdir fails with ENAMETOOLONG
        var tooLong = new string('n', 300);
        var data = await repo.DirAsync("data", 0x1ED,
            await repo.TextFileAsync("a.txt", "a"),
            await repo.DirAsync(tooLong, 0x1ED, await repo.TextFileAsync("x.txt", "x"),
                await repo.DirAsync("deeper", 0x1ED, await repo.TextFileAsync("y.txt", "y"), RestoreRepository.Symlink("link", "y.txt"))),
            await repo.DirAsync("b", 0x1ED, await repo.TextFileAsync("c.txt", "c")));
        var root = await repo.TreeAsync(data);
        await repo.FlushAsync();

        var errors = new ErrorList();
        var restorer = new Restorer(repo.Repository, new RestoreOptions { Target = _target.Path + "/new" }, errors);
        await restorer.RunAsync(root, Ct);

        var error = Assert.Single(errors.Errors);
        Assert.StartsWith($"{_target.Path}/new/data/{tooLong}: ", error);
        Assert.Equal("a", File.ReadAllText(_target.Path + "/new/data/a.txt"));
        Assert.Equal("c", File.ReadAllText(_target.Path + "/new/data/b/c.txt"));
        Assert.Equal(["a.txt", "b"], Directory.EnumerateFileSystemEntries(_target.Path + "/new/data").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(1, restorer.Statistics.Errors);
    }
}
