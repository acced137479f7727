using Lifeboat.Engine.Backup;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;
using Lifeboat.TestSupport;

namespace Lifeboat.Engine.Tests.Backup;

/// <summary>
/// The file saver: a new or changed file is read and its chunks stored, an unchanged one (same mtime, ctime, inode
/// and size as its parent node, content still in the index) keeps the parent's content unread, a hard link is read
/// once, and a substituted file keeps the original's name with the copy's content.
/// </summary>
public sealed class FileSaverTests : IDisposable
{
    private readonly TempDirectory _dir = new("lifeboat-file-saver");

    public void Dispose() => _dir.Dispose();

    private string WriteFile(string name, int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        var path = _dir.Combine(name);
        File.WriteAllBytes(path, data);
        return path;
    }

    private static FileSaver Saver(BackupRun run) => new(run, new ContentChunker(run, new BlobSaver(run)));

    private static Task<Node?> SaveAsync(BackupRun run, string path, Node? parentNode = null) =>
        Saver(run).SaveAsync(path, Path.GetFileName(path), Posix.LStat(path), parentNode);

    [Fact]
    public async Task NewFile_IsChunked_AndReadsBackWhole()
    {
        await using var repo = await StageRepository.CreateAsync();
        // more than the chunker's largest chunk (8 MiB), so more than one chunk whatever the repository's random
        // polynomial (3 MiB had no cut point in about one repository of twelve: a flaky test)
        var path = WriteFile("big", 9 << 20, 1);

        var run = repo.NewRun();
        var node = await SaveAsync(run, path);
        await repo.Repository.FlushAsync(TestContext.Current.CancellationToken);

        Assert.NotNull(node?.Content);
        Assert.True(node.Content.Count > 1);
        Assert.Equal(File.ReadAllBytes(path), await repo.ReadContentAsync(node.Content));
        Assert.Equal(9UL << 20, node.Size);
        Assert.Equal((1, 1), (run.Statistics.FilesNew, run.Statistics.FilesDone));
        Assert.Equal(node.Content.Count, run.Statistics.DataBlobs);
    }

    /// <summary>
    /// The parent node's content is a blob that is not this file's: the saved node carrying it shows the file was not
    /// read (as restic, the metadata alone decides).
    /// </summary>
    [Fact]
    public async Task UnchangedFile_KeepsTheParentsContent_Unread()
    {
        await using var repo = await StageRepository.CreateAsync();
        var path = WriteFile("same", 4_000, 2);
        var parentNode = NodeFactory.FromStatus(path, "same", Posix.LStat(path));
        parentNode.Content = [await repo.SaveEarlierBlobAsync("the parent's content"u8.ToArray())];

        var run = repo.NewRun();
        var node = await SaveAsync(run, path, parentNode);

        Assert.Equal(parentNode.Content, node?.Content);
        Assert.Equal((1, 0, 0), (run.Statistics.FilesUnmodified, run.Statistics.FilesChanged, run.Statistics.DataBlobs));
    }

    public static TheoryData<string> Changes => ["mtime", "ctime", "size", "inode", "content not in the index"];

    [Theory]
    [MemberData(nameof(Changes))]
    public async Task ChangedFile_IsReadAgain(string change)
    {
        await using var repo = await StageRepository.CreateAsync();
        var path = WriteFile("changed", 4_000, 3);
        var parentNode = NodeFactory.FromStatus(path, "changed", Posix.LStat(path));
        parentNode.Content = [await repo.SaveEarlierBlobAsync("the parent's content"u8.ToArray())];
        switch (change)
        {
            case "mtime": parentNode.ModTime = GoTime.FromUnix(parentNode.ModTime.UnixSeconds - 1, parentNode.ModTime.Nanoseconds); break;
            case "ctime": parentNode.ChangeTime = GoTime.FromUnix(parentNode.ChangeTime.UnixSeconds, (parentNode.ChangeTime.Nanoseconds + 1) % 1_000_000_000); break;
            case "size": parentNode.Size++; break;
            case "inode": parentNode.Inode++; break;
            default: parentNode.Content = [Id.Hash("never saved"u8)]; break;
        }

        var run = repo.NewRun();
        var node = await SaveAsync(run, path, parentNode);
        await repo.Repository.FlushAsync(TestContext.Current.CancellationToken);

        Assert.NotNull(node?.Content);
        Assert.Equal(File.ReadAllBytes(path), await repo.ReadContentAsync(node.Content));
        Assert.Equal((0, 1), (run.Statistics.FilesUnmodified, run.Statistics.FilesChanged));
    }

    [Fact]
    public async Task HardLinkedFile_IsReadOnce()
    {
        await using var repo = await StageRepository.CreateAsync();
        var first = WriteFile("first", 6_000, 4);
        var second = _dir.Combine("second");
        Posix.Link(first, second);

        var run = repo.NewRun();
        var a = await SaveAsync(run, first);
        var b = await SaveAsync(run, second);

        Assert.Equal(a?.Content, b?.Content);
        Assert.Equal((2, 6_000), (run.Statistics.FilesNew, run.Statistics.BytesDone));
    }

    [Fact]
    public async Task SubstitutedFile_KeepsItsNameAndMetadata_WithTheCopysContent()
    {
        var live = WriteFile("live.db", 1_000, 5);
        var copy = WriteFile("copy.db", 2_500, 6);
        await using var repo = await StageRepository.CreateAsync();

        var run = repo.NewRun(contentSource: p => p == live ? copy : null);
        var node = await SaveAsync(run, live);
        await repo.Repository.FlushAsync(TestContext.Current.CancellationToken);

        Assert.NotNull(node?.Content);
        Assert.Equal(("live.db", 2_500UL, Posix.LStat(live).Inode), (node.Name, node.Size, node.Inode));
        Assert.Equal(File.ReadAllBytes(copy), await repo.ReadContentAsync(node.Content));
    }
}
