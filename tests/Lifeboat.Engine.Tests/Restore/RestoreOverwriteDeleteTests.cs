using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Restore;
using Lifeboat.TestSupport;

namespace Lifeboat.Engine.Tests.Restore;

/// <summary>Restoring into a target that holds files already: restic 0.17's --overwrite, --delete, --dry-run counts and --sparse.</summary>
public sealed class RestoreOverwriteDeleteTests : IDisposable
{
    private readonly TempDirectory _target = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _target.Dispose();

    private string At(string relative) => Path.Combine(_target.Path, relative);

    /// <summary>/{a.txt = "alpha-" "beta--", b.txt = "bee", sub/{c.txt = "sea"}}, all with RestoreRepository.ModTime.</summary>
    private static async Task<Id> SnapshotAsync(RestoreRepository repo)
    {
        var sub = await repo.DirAsync("sub", 0x1ED, await repo.TextFileAsync("c.txt", "sea"));
        var root = await repo.TreeAsync(await repo.TextFileAsync("a.txt", "alpha-", "beta--"), await repo.TextFileAsync("b.txt", "bee"), sub);
        await repo.FlushAsync();
        return root;
    }

    private sealed class Actions : IRestoreObserver
    {
        public List<string> Errors { get; } = [];
        public List<string> Done { get; } = [];
        public void ItemError(string path, Exception error) { lock (Errors) Errors.Add($"{path}: {error.Message}"); }
        public void ItemDone(RestoreItemAction action, string path, long size) { lock (Done) Done.Add($"{action} {Path.GetFileName(path)}"); }
    }

    private async Task<(RestoreStatistics Statistics, Actions Actions)> RestoreAsync(RestoreRepository repo, Id root, RestoreOptions options)
    {
        var actions = new Actions();
        var restorer = new Restorer(repo.Repository, options with { Target = _target.Path }, actions);
        await restorer.RunAsync(root, Ct);
        Assert.Empty(actions.Errors);
        return (restorer.Statistics, actions);
    }

    private static void SetModTime(string path, GoTime time) => Posix.SetTimes(path, new Timespec(time.UnixSeconds, time.Nanoseconds), new Timespec(time.UnixSeconds, time.Nanoseconds));

    [Fact]
    public async Task Always_WritesOnlyTheBlobsThatDiffer_AndSkipsFilesThatMatch()
    {
        await using var repo = await RestoreRepository.CreateAsync();
        var root = await SnapshotAsync(repo);
        await RestoreAsync(repo, root, new RestoreOptions());
        // the second blob of a.txt differs; b.txt is equal but older; the inode of a.txt must stay (written in place)
        File.WriteAllText(At("a.txt"), "alpha-BETA--");
        var inode = Posix.LStat(At("a.txt")).Inode;
        SetModTime(At("b.txt"), GoTime.FromUnix(1_000_000_000, 0));

        var (st, actions) = await RestoreAsync(repo, root, new RestoreOptions());

        Assert.Equal("alpha-beta--", File.ReadAllText(At("a.txt")));
        Assert.Equal(inode, Posix.LStat(At("a.txt")).Inode);
        // b.txt kept its content and got the snapshot's metadata back
        Assert.Equal(RestoreRepository.ModTime.UnixSeconds, Posix.LStat(At("b.txt")).ModTime.Seconds);
        Assert.Equal(2, st.FilesSkipped); // b.txt, sub/c.txt
        Assert.Equal(3 + 3, st.BytesSkipped);
        Assert.Equal(1, st.TotalFiles);
        Assert.Equal(1, st.FilesDone);
        Assert.Contains("Updated a.txt", actions.Done);
        Assert.Contains("Unchanged b.txt", actions.Done);
    }

    [Fact]
    public async Task IfChanged_TrustsSizeAndModTime_Always_ReadsTheContent()
    {
        await using var repo = await RestoreRepository.CreateAsync();
        var root = await SnapshotAsync(repo);
        await RestoreAsync(repo, root, new RestoreOptions());
        // same size and mtime, other content: if-changed does not notice, always does
        File.WriteAllText(At("b.txt"), "BEE");
        SetModTime(At("b.txt"), RestoreRepository.ModTime);

        await RestoreAsync(repo, root, new RestoreOptions { Overwrite = RestoreOverwrite.IfChanged });
        Assert.Equal("BEE", File.ReadAllText(At("b.txt")));

        var (st, _) = await RestoreAsync(repo, root, new RestoreOptions { Overwrite = RestoreOverwrite.Always });
        Assert.Equal("bee", File.ReadAllText(At("b.txt")));
        Assert.Equal(1, st.FilesDone);
    }

    [Fact]
    public async Task Never_KeepsWhatExists_IfNewer_ReplacesOnlyOlderItems()
    {
        await using var repo = await RestoreRepository.CreateAsync();
        var root = await SnapshotAsync(repo);
        await RestoreAsync(repo, root, new RestoreOptions());
        File.WriteAllText(At("a.txt"), "mine");
        File.WriteAllText(At("b.txt"), "mine too");
        File.Delete(At("sub/c.txt"));

        var (never, _) = await RestoreAsync(repo, root, new RestoreOptions { Overwrite = RestoreOverwrite.Never });
        Assert.Equal("mine", File.ReadAllText(At("a.txt")));
        Assert.Equal("mine too", File.ReadAllText(At("b.txt")));
        Assert.Equal("sea", File.ReadAllText(At("sub/c.txt")));
        Assert.Equal(2, never.FilesSkipped);
        Assert.Equal(1, never.FilesDone);

        // a.txt older than the snapshot's, b.txt newer
        SetModTime(At("a.txt"), GoTime.FromUnix(1_000_000_000, 0));
        var (ifNewer, _) = await RestoreAsync(repo, root, new RestoreOptions { Overwrite = RestoreOverwrite.IfNewer });
        Assert.Equal("alpha-beta--", File.ReadAllText(At("a.txt")));
        Assert.Equal("mine too", File.ReadAllText(At("b.txt")));
        Assert.Equal(2, ifNewer.FilesSkipped); // b.txt and sub/c.txt (restored just now, so newer)
    }

    [Fact]
    public async Task Delete_RemovesWhatTheSnapshotLacks_WithinTheSelectionOnly()
    {
        await using var repo = await RestoreRepository.CreateAsync();
        var root = await SnapshotAsync(repo);
        Directory.CreateDirectory(At("sub/extra-dir/deeper"));
        File.WriteAllText(At("sub/extra-dir/deeper/x"), "x");
        File.WriteAllText(At("sub/extra.log"), "log");
        File.WriteAllText(At("extra.txt"), "t");
        File.WriteAllText(At("keep.log"), "kept: excluded");

        var (st, actions) = await RestoreAsync(repo, root, new RestoreOptions { Delete = true, Excludes = ["*.log"] });

        Assert.False(Directory.Exists(At("sub/extra-dir")));
        Assert.False(File.Exists(At("extra.txt")));
        Assert.True(File.Exists(At("sub/extra.log")));
        Assert.True(File.Exists(At("keep.log")));
        Assert.Equal(2, st.FilesDeleted);
        Assert.Contains("Deleted extra-dir", actions.Done);
        Assert.Equal("sea", File.ReadAllText(At("sub/c.txt")));
    }

    [Fact]
    public async Task Delete_NeverFollowsASymlinkOutOfTheTarget_AndReplacesADirectoryInTheWayOfAFile()
    {
        await using var repo = await RestoreRepository.CreateAsync();
        var root = await SnapshotAsync(repo);
        using var outside = new TempDirectory();
        File.WriteAllText(Path.Combine(outside.Path, "precious"), "p");
        Directory.CreateDirectory(At("sub"));
        File.CreateSymbolicLink(At("sub/link"), outside.Path);
        Directory.CreateDirectory(At("b.txt/inside"));

        var (st, _) = await RestoreAsync(repo, root, new RestoreOptions { Delete = true });

        Assert.True(File.Exists(Path.Combine(outside.Path, "precious")));
        Assert.False(Posix.TryLStat(At("sub/link"), out _, out _));
        Assert.Equal("bee", File.ReadAllText(At("b.txt")));
        Assert.Equal(1, st.FilesDeleted);
    }

    [Fact]
    public async Task DryRun_CountsAsARestoreWould_AndWritesNothing()
    {
        await using var repo = await RestoreRepository.CreateAsync();
        var root = await SnapshotAsync(repo);
        Directory.CreateDirectory(At("sub"));
        File.WriteAllText(At("b.txt"), "bee");
        File.WriteAllText(At("sub/gone.txt"), "g");

        var (st, _) = await RestoreAsync(repo, root, new RestoreOptions { DryRun = true, Delete = true });

        Assert.Equal(2, st.TotalFiles);
        Assert.Equal(2, st.FilesDone);
        Assert.Equal(12 + 3, st.TotalBytes);
        Assert.Equal(12 + 3, st.BytesDone);
        Assert.Equal(1, st.FilesSkipped);
        Assert.Equal(1, st.FilesDeleted);
        Assert.False(File.Exists(At("a.txt")));
        Assert.True(File.Exists(At("sub/gone.txt")));
    }

    [Fact]
    public async Task Sparse_LeavesBlobsOfZerosAsHoles()
    {
        await using var repo = await RestoreRepository.CreateAsync();
        var zeros = new string('\0', 1 << 20);
        var node = await repo.TextFileAsync("disk.img", "head", zeros, "tail");
        var root = await repo.TreeAsync(node);
        await repo.FlushAsync();

        await RestoreAsync(repo, root, new RestoreOptions { Sparse = true });

        var status = Posix.LStat(At("disk.img"));
        Assert.Equal((1 << 20) + 8, status.Size);
        Assert.True(status.Blocks * 512 < 1 << 19, $"{status.Blocks} blocks allocated");
        var bytes = File.ReadAllBytes(At("disk.img"));
        Assert.Equal("tail"u8.ToArray(), bytes[^4..]);
    }

    [Fact]
    public async Task AReadOnlyFileThatDiffers_IsReplacedWhole_UnlessItCanBeWrittenInPlace()
    {
        await using var repo = await RestoreRepository.CreateAsync();
        var root = await SnapshotAsync(repo);
        await RestoreAsync(repo, root, new RestoreOptions());
        File.WriteAllText(At("a.txt"), "alpha-BETA--");
        Posix.Chmod(At("a.txt"), 0x124 /* 0444 */);

        var (st, actions) = await RestoreAsync(repo, root, new RestoreOptions());

        Assert.Equal("alpha-beta--", File.ReadAllText(At("a.txt")));
        // root may write a 0444 file, so it is updated in place; anyone else gets it replaced whole
        Assert.Contains(Posix.GetEffectiveUid() == 0 ? "Updated a.txt" : "Restored a.txt", actions.Done);
        Assert.Equal(1, st.FilesDone);
    }
}
