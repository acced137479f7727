using Lifeboat.Engine.Backup;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Repository;
using Lifeboat.TestSupport;

namespace Lifeboat.Engine.Tests.Backup;

/// <summary>
/// Stream files in the archiver (restic's --stdin and the stack's database dumps): stored as restic's fs.Reader makes
/// them, chunked exactly as a file of the same bytes, and a failing source writes no snapshot.
/// </summary>
public sealed class StreamSourceTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly TempDirectory _dir = new("lifeboat-stream");

    public void Dispose() => _dir.Dispose();

    private static byte[] Bytes(int length, int seed = 1)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static StreamSource Source(string path, byte[] data, int piece = 65536, bool failAtEnd = false, bool allowEmpty = false) => new()
    {
        Path = path,
        Open = _ => Task.FromResult<Stream>(new PipeLikeStream(data, piece, failAtEnd)),
        AllowEmpty = allowEmpty,
    };

    private static Task<BackupResult> BackupAsync(StageRepository repo, IReadOnlyList<StreamSource> streams, IReadOnlyList<string>? paths = null,
        IBackupObserver? observer = null, GoTime? time = null) =>
        new Archiver(repo.Repository, new BackupOptions { Paths = paths ?? [], Streams = streams, Hostname = "h", Time = time }, observer).RunAsync(Ct);

    [Fact]
    public async Task AStreamAlone_IsOneFileAtItsPath_AsResticStoresStdin()
    {
        await using var repo = await StageRepository.CreateAsync();
        var data = Bytes(3 * 1024 * 1024);
        var time = GoTime.Parse("2026-01-02T03:04:05.123456789Z");

        var result = await BackupAsync(repo, [Source("dump.sql", data)], time: time);

        Assert.Equal(["/dump.sql"], result.Snapshot.Paths);
        var node = Assert.Single((await repo.Repository.LoadTreeAsync(result.Snapshot.Tree, Ct)).Nodes);
        Assert.Equal(("dump.sql", NodeType.File, 420u, (ulong)data.Length), (node.Name, node.Type, node.Mode, node.Size));
        Assert.Equal((time, time, time), (node.ModTime, node.AccessTime, node.ChangeTime));
        Assert.Equal((Posix.GetUid(), Posix.GetGid()), (node.Uid, node.Gid));
        Assert.Equal((null, null, 0ul, 0ul), (node.User, node.Group, node.Inode, node.Links));
        Assert.Equal(data, await repo.ReadContentAsync(node.Content!));
        Assert.Equal((1L, 1L, (long)data.Length), (result.Statistics.FilesNew, result.Statistics.TotalFiles, result.Statistics.BytesDone));
    }

    [Fact]
    public async Task AStreamAlone_HasNoParent_EvenWithAnEarlierSnapshotOfTheSamePath()
    {
        await using var repo = await StageRepository.CreateAsync();
        var first = await BackupAsync(repo, [Source("stdin", Bytes(100))]);

        var second = await BackupAsync(repo, [Source("stdin", Bytes(100))]);

        Assert.NotNull(first.SnapshotId);
        Assert.Null(second.Parent);
        Assert.Null(second.Snapshot.Parent);
    }

    [Fact]
    public async Task ADeepPath_GetsMadeUpDirectories()
    {
        await using var repo = await StageRepository.CreateAsync();
        var data = Bytes(1000);

        var result = await BackupAsync(repo, [Source("/dumps/app/db.sql", data)]);

        var dumps = Assert.Single((await repo.Repository.LoadTreeAsync(result.Snapshot.Tree, Ct)).Nodes);
        Assert.Equal(("dumps", NodeType.Dir, GoFileMode.Dir | 0x1ED), (dumps.Name, dumps.Type, dumps.Mode));
        Assert.Null(dumps.Content);
        var file = await repo.Repository.FindNodeAsync(result.Snapshot.Tree, "/dumps/app/db.sql", Ct);
        Assert.Equal(data, await repo.ReadContentAsync(file!.Content!));
    }

    [Theory]
    [InlineData(65536)]
    [InlineData(1000)]
    [InlineData(9 * 1024 * 1024)]
    public async Task AStream_IsCutIntoTheSameChunksAsAFileOfTheSameBytes(int piece)
    {
        await using var repo = await StageRepository.CreateAsync();
        var data = Bytes(20 * 1024 * 1024, seed: 7);
        var file = _dir.Combine("same.bin");
        File.WriteAllBytes(file, data);

        var fromFile = await BackupAsync(repo, [], paths: [file]);
        var fromStream = await BackupAsync(repo, [Source("same.bin", data, piece)]);

        var fileNode = await repo.Repository.FindNodeAsync(fromFile.Snapshot.Tree, file, Ct);
        var streamNode = await repo.Repository.FindNodeAsync(fromStream.Snapshot.Tree, "/same.bin", Ct);
        Assert.True(fileNode!.Content!.Count > 3);
        Assert.Equal(fileNode.Content, streamNode!.Content);
        Assert.Equal(0, fromStream.Statistics.DataBlobs); // all deduplicated against the file's
    }

    [Fact]
    public async Task AnEmptyStream_IsRefusedAsResticDoes_AndWritesNoSnapshot()
    {
        await using var repo = await StageRepository.CreateAsync();
        var errors = new ItemErrors();

        var e = await Assert.ThrowsAsync<RepositoryException>(() => BackupAsync(repo, [Source("stdin", [])], observer: errors));

        Assert.Contains("snapshot is empty", e.Message);
        Assert.Equal("read /stdin: no data read", Assert.Single(errors.Messages));
        Assert.Empty(await repo.Repository.ListSnapshotsAsync(Ct));
    }

    [Fact]
    public async Task AnEmptyStream_WhenAllowed_IsAnEmptyFile()
    {
        await using var repo = await StageRepository.CreateAsync();

        var result = await BackupAsync(repo, [Source("empty", [], allowEmpty: true)]);

        var node = Assert.Single((await repo.Repository.LoadTreeAsync(result.Snapshot.Tree, Ct)).Nodes);
        Assert.Equal((0ul, 0), (node.Size, node.Content!.Count));
    }

    [Fact]
    public async Task AFailingSource_FailsTheBackup_AndWritesNoSnapshot()
    {
        await using var repo = await StageRepository.CreateAsync();
        var file = _dir.Combine("beside.txt");
        File.WriteAllText(file, "beside");

        var e = await Assert.ThrowsAsync<SourceFailedException>(() =>
            BackupAsync(repo, [Source("/dumps/db.sql", Bytes(2 * 1024 * 1024), failAtEnd: true)], paths: [file]));

        Assert.Equal("the source failed at its end", e.Message);
        Assert.Empty(await repo.Repository.ListSnapshotsAsync(Ct));
    }

    [Fact]
    public async Task CancellingTheBackup_StopsTheCommandItReads()
    {
        await using var repo = await StageRepository.CreateAsync();
        var pidFile = _dir.Combine("command.pid");
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var source = StreamSource.CommandOutput("/endless", ["sh", "-c", $"echo $$ > {pidFile}; head -c 2000000 /dev/zero; exec sleep 1000"]);
        var archiver = new Archiver(repo.Repository, new BackupOptions { Paths = [], Streams = [source], Hostname = "h" });
        var statistics = new BackupStatistics();

        var run = archiver.RunAsync(statistics, cancel.Token);
        while (Interlocked.Read(ref statistics.BytesDone) < 1024 * 1024 && !run.IsCompleted) await Task.Delay(10, Ct);
        int pid = int.Parse(File.ReadAllText(pidFile).Trim());
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.False(Directory.Exists($"/proc/{pid}"), $"the command (pid {pid}) still runs after the backup was cancelled");
        Assert.Empty(await repo.Repository.ListSnapshotsAsync(Ct));
    }

    [Fact]
    public async Task StreamsBesideFileTargets_ShareOneSnapshot_WithAllPathsRecorded()
    {
        await using var repo = await StageRepository.CreateAsync();
        var app = _dir.Combine("app");
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(app, "config.yml"), "x: 1");
        var dump = Bytes(5000);
        // a stream beside the target, inside a directory that exists on disk (the temporary one), and one made up
        var beside = _dir.Combine("db.dump");
        var sources = new[] { Source(beside, dump), Source("/lifeboat-dumps/app/db.sql", dump) };

        var first = await BackupAsync(repo, sources, paths: [app]);
        var second = await BackupAsync(repo, sources, paths: [app]);

        Assert.Equal([app, beside, "/lifeboat-dumps/app/db.sql"], first.Snapshot.Paths);
        Assert.NotNull(await repo.Repository.FindNodeAsync(first.Snapshot.Tree, Path.Combine(app, "config.yml"), Ct));
        foreach (var path in new[] { beside, "/lifeboat-dumps/app/db.sql" })
            Assert.Equal(dump, await repo.ReadContentAsync((await repo.Repository.FindNodeAsync(first.Snapshot.Tree, path, Ct))!.Content!));
        // the file targets take the parent as usual; the streams are read again and count as changed
        Assert.Equal(first.SnapshotId, second.Parent?.Id);
        Assert.Equal((1L, 2L), (second.Statistics.FilesUnmodified, second.Statistics.FilesChanged));
    }

    [Fact]
    public async Task AStreamInsideAFileTarget_IsRefused()
    {
        await using var repo = await StageRepository.CreateAsync();
        var app = _dir.Combine("app");
        Directory.CreateDirectory(app);

        await Assert.ThrowsAsync<ArgumentException>(() => BackupAsync(repo, [Source(Path.Combine(app, "db.sql"), [1])], paths: [app]));
        await Assert.ThrowsAsync<ArgumentException>(() => BackupAsync(repo, [Source("/", [1])]));
        await Assert.ThrowsAsync<ArgumentException>(() => BackupAsync(repo, [Source("/a", [1]), Source("/a/b", [1])]));
    }

    private sealed class ItemErrors : IBackupObserver
    {
        public List<string> Messages { get; } = [];
        public void ItemError(string path, string during, Exception error)
        {
            lock (Messages) Messages.Add(error.Message);
        }
    }

    /// <summary>Gives its bytes in pieces no larger than a pipe would, and optionally fails at the end as a failing command does.</summary>
    private sealed class PipeLikeStream(byte[] data, int piece, bool failAtEnd) : Stream
    {
        private int _position;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = Math.Min(Math.Min(piece, buffer.Length), data.Length - _position);
            if (n == 0 && failAtEnd) throw new SourceFailedException("the source failed at its end");
            data.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
