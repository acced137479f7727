using Lifeboat.Engine;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.TestSupport;

namespace Lifeboat.Fuzz.Tests.HostileIndexes;

/// <summary>
/// A repository whose one snapshot holds a good file and files whose only blob an extra index file describes with
/// lengths and offsets that cannot be true: shorter than a blob's encryption, 4 GiB long, 4 GiB of plaintext, far past
/// the end of its pack. A reader that sized a buffer or a file from such a claim would allocate gigabytes or crash.
/// </summary>
public sealed class LyingIndexRepository : IAsyncLifetime
{
    public const string Password = "lying-index-password";
    public static readonly byte[] Payload = "the good file's content\n"u8.ToArray();

    /// <summary>File name → the index entry its blob is listed with (relative to the real blob's entry).</summary>
    public static readonly IReadOnlyDictionary<string, Func<PackedBlob, PackedBlob>> Lies = new Dictionary<string, Func<PackedBlob, PackedBlob>>
    {
        ["too-short"] = b => b with { Length = 7, UncompressedLength = 0 },
        ["four-gib-stored"] = b => b with { Length = 0xFFFF_FF00, UncompressedLength = 0 },
        ["four-gib-plaintext"] = b => b with { UncompressedLength = 0xFFFF_FF00 },
        ["twenty-mib-past-the-end"] = b => b with { Offset = 0x7FFF_0000, Length = 20 << 20 },
        ["past-the-end"] = b => b with { Offset = 0x7FFF_0000 },
    };

    private readonly TempDirectory _work = new("lifeboat-lying-index");
    public string Work => _work.Path;
    public string Path => _work.Combine("repo");

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var repo = await Repository.InitAsync(new LocalBackend(Path), Password, 2, new RepositoryOptions(), (1024, 8, 1), cancellationToken: ct);
        var good = Id.Hash(Payload);
        await repo.SaveBlobAsync(BlobType.Data, good, Payload, ct);
        await repo.FlushAsync(ct);
        Assert.True(repo.Index.TryLookup(BlobType.Data, good, out var real));

        // each lie is a blob of its own (an ID no pack holds), listed in the real pack
        var lying = new List<PackedBlob>();
        var time = GoTime.FromUnix(1_600_000_000, 0);
        var nodes = new List<Node> { FileNode("good.txt", good, Payload.Length, time) };
        foreach (var (name, lie) in Lies)
        {
            var id = Id.Hash(System.Text.Encoding.UTF8.GetBytes("lie: " + name));
            lying.Add(lie(real.Blob with { Id = id }));
            nodes.Add(FileNode(name, id, Payload.Length, time));
        }
        await repo.SaveIndexFilesAsync([(real.PackId, lying)], [], ct);

        nodes.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        var tree = new Tree(nodes).ToJson();
        var treeId = Id.Hash(tree);
        await repo.SaveBlobAsync(BlobType.Tree, treeId, tree, ct);
        await repo.FlushAsync(ct);
        await repo.SaveSnapshotAsync(new Snapshot { Time = GoTime.Now(), Tree = treeId, Paths = ["/lies"], Hostname = "crafted", Username = "root" }, ct);
    }

    private static Node FileNode(string name, Id blob, int size, GoTime time) => new()
    {
        Name = name, Type = NodeType.File, Mode = 0x1A4, Size = (ulong)size, Links = 1, Content = [blob],
        ModTime = time, AccessTime = time, ChangeTime = time,
    };

    public ValueTask DisposeAsync()
    {
        _work.Dispose();
        return ValueTask.CompletedTask;
    }
}
