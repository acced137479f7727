using System.Text;
using Lifeboat.Engine;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.TestSupport;

namespace Lifeboat.Fuzz.Tests.HostileTrees;

/// <summary>
/// A local repository written through the engine's own writer, whose snapshots hold what a crafted repository may:
/// names that climb out or are not names at all, absurd sizes and counts, a chain of trees deeper than any file system,
/// a tree that claims to contain itself. Built once for all the tests of a class; each snapshot is tagged by its kind.
/// </summary>
public sealed class HostileRepository : IAsyncLifetime
{
    public const string Password = "hostile-repository-password";
    public const int DeepLevels = 2100;
    public const int MillionBlobs = 1_000_000;

    private readonly TempDirectory _work = new("lifeboat-hostile");
    public string Work => _work.Path;
    public string Path => _work.Combine("repo");
    /// <summary>A directory beside the target that symlinks in the snapshots point at: nothing may appear in it.</summary>
    public string Outside => _work.Combine("outside");
    /// <summary>What a name such as "/marker" or "../marker" would create if it escaped.</summary>
    public string Marker { get; } = "lifeboat-escape-" + Guid.NewGuid().ToString("n");
    public static readonly byte[] Payload = "payload\n"u8.ToArray();

    private static readonly GoTime Time = GoTime.FromUnix(1_600_000_000, 0);

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(Outside);
        var ct = TestContext.Current.CancellationToken;
        await using var repo = await Repository.InitAsync(new LocalBackend(Path), Password, 2, new RepositoryOptions(), (1024, 8, 1), cancellationToken: ct);
        var blob = Id.Hash(Payload);
        await repo.SaveBlobAsync(BlobType.Data, blob, Payload, ct);

        Node File(string name, ulong? size = null, List<Id>? content = null) => new()
        {
            Name = name, Type = NodeType.File, Mode = 0x1A4, Size = size ?? (ulong)Payload.Length, Links = 1, Content = content ?? [blob],
            ModTime = Time, AccessTime = Time, ChangeTime = Time,
        };
        Node Dir(string name, Id subtree) => new()
        {
            Name = name, Type = NodeType.Dir, Mode = 0x800001ED, Subtree = subtree, ModTime = Time, AccessTime = Time, ChangeTime = Time,
        };
        Node Symlink(string name, string target) => new()
        {
            Name = name, Type = NodeType.Symlink, Mode = 0x080001FF, LinkTarget = target, Links = 1, ModTime = Time, AccessTime = Time, ChangeTime = Time,
        };
        // Trees written raw, in the given order: a crafted tree may hold duplicate and unsorted names, which Tree.ToJson refuses.
        async Task<Id> RawTree(IEnumerable<Node> nodes, Id? storeAs = null)
        {
            var json = new List<byte>("{\"nodes\":["u8.ToArray());
            bool first = true;
            foreach (var node in nodes)
            {
                if (!first) json.Add((byte)',');
                first = false;
                json.AddRange(node.ToJson());
            }
            json.AddRange("]}\n"u8.ToArray());
            var bytes = json.ToArray();
            var id = storeAs ?? Id.Hash(bytes);
            await repo.SaveBlobAsync(BlobType.Tree, id, bytes, ct);
            return id;
        }
        async Task Snapshot(string tag, Id tree) =>
            await repo.SaveSnapshotAsync(new Snapshot { Time = GoTime.Now(), Tree = tree, Paths = ["/crafted"], Hostname = "crafted", Username = "root", Tags = [tag] }, ct);

        // names
        var inner = await RawTree([File(Marker)]);
        await Snapshot("names", await RawTree([
            File("ok.txt"),
            Dir("..", inner),
            File("../" + Marker),
            File("a/../../" + Marker),
            File("a/b"),
            Dir("/", inner),
            File("/" + Marker),
            File("."),
            File(""),
            File("nul\0" + Marker),
            File("new\nline"), // a name a file system can hold: restored as it is
            Dir("sub", await RawTree([File(".."), File("inner.txt"), Dir("..", await RawTree([Dir("..", inner)]))])),
            // a symlink to the outside, then a directory of the same name used as a parent: it must not follow the link
            Symlink("link", Outside),
            Dir("link", inner),
        ]));

        // absurd sizes and counts
        await Snapshot("absurd", await RawTree([
            File("claims-2^62-bytes", size: 1UL << 62),
            File("empty-claims-2^62-bytes", size: 1UL << 62, content: []),
            File("claims-2^64-1-bytes", size: ulong.MaxValue),
            File("million-blobs", size: (ulong)Payload.Length * MillionBlobs, content: [.. Enumerable.Repeat(blob, MillionBlobs)]),
            File("ok.txt"),
        ]));

        // a chain of directories deeper than any file system holds
        var deep = await RawTree([File("bottom.txt")]);
        for (int i = 0; i < DeepLevels; i++) deep = await RawTree([Dir("d", deep)]);
        await Snapshot("deep", deep);

        // a tree that claims to contain itself: its blob is stored under an ID that is not its hash
        var loopId = Id.Hash(Encoding.UTF8.GetBytes("the loop's claimed ID"));
        await RawTree([Dir("loop", loopId), File("ok.txt")], storeAs: loopId);
        await Snapshot("cycle", await RawTree([Dir("loop", loopId), File("ok.txt")]));

        await repo.FlushAsync(ct);
    }

    public ValueTask DisposeAsync()
    {
        // the deep snapshot's restore nests deeper than a path can name (it is made relative to the target): rm
        // removes it relative to each directory, which TempDirectory's removal by path cannot
        ProcessRunner.Run("rm", ["-rf", Work], timeout: TimeSpan.FromMinutes(2));
        _work.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Every entry under <paramref name="root"/> (type, size, mode, mtime), not following symlinks; <paramref name="skip"/>
    /// and the other tests' restores (restore-* in the root) left out.
    /// </summary>
    public static SortedDictionary<string, string> Inventory(string root, string? skip = null)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        void Walk(string dir)
        {
            foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos())
            {
                if (skip is not null && (entry.FullName == skip || entry.FullName.StartsWith(skip + "/", StringComparison.Ordinal))) continue;
                if (dir == root && entry.Name.StartsWith("restore-", StringComparison.Ordinal)) continue;
                // every command writes and removes its lock there
                if (entry.Name == "locks" && entry is DirectoryInfo) continue;
                bool isLink = entry.LinkTarget is not null;
                long size = entry is FileInfo f && !isLink ? f.Length : 0;
                result[entry.FullName] = $"{(isLink ? "link" : entry is DirectoryInfo ? "dir" : "file")} {size} {entry.UnixFileMode} {entry.LastWriteTimeUtc.Ticks}";
                if (entry is DirectoryInfo && !isLink) Walk(entry.FullName);
            }
        }
        Walk(root);
        return result;
    }
}
