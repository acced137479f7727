using System.Text;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Engine.Tests.Restore;

/// <summary>An in-memory repository to restore from, and helpers to write snapshot trees into it by hand.</summary>
internal sealed class RestoreRepository : IAsyncDisposable
{
    public static readonly GoTime ModTime = GoTime.FromUnix(1_600_000_000, 123_456_789);
    public static readonly GoTime AccessTime = GoTime.FromUnix(1_600_000_100, 987_654_321);

    private RestoreRepository(Repo repository) => Repository = repository;

    public Repo Repository { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<RestoreRepository> CreateAsync() =>
        new(await Repo.InitAsync(new MemoryBackend(), "pw", 2, new RepositoryOptions(), (1024, 8, 1), cancellationToken: Ct));

    /// <summary>Stores a data blob (in the pack being written until <see cref="FlushAsync"/>) and returns its ID.</summary>
    public async Task<Id> BlobAsync(string text)
    {
        var data = Encoding.UTF8.GetBytes(text);
        var id = Id.Hash(data);
        await Repository.SaveBlobAsync(BlobType.Data, id, data, Ct);
        return id;
    }

    /// <summary>Closes the pack being written: blobs stored after this go to another pack.</summary>
    public Task FlushAsync() => Repository.FlushAsync(Ct);

    public Id PackOf(Id blob)
    {
        Assert.True(Repository.Index.TryLookup(BlobType.Data, blob, out var location));
        return location.PackId;
    }

    public static Node File(string name, IReadOnlyList<Id> content, ulong size, uint mode = 0x1A4 /* 0644 */) => new()
    {
        Name = name, Type = NodeType.File, Mode = mode, Content = [.. content], Size = size, ModTime = ModTime, AccessTime = AccessTime, Links = 1,
    };

    public static Node Symlink(string name, string target) => new()
    {
        Name = name, Type = NodeType.Symlink, Mode = GoFileMode.Symlink | 0x1FF, LinkTarget = target, ModTime = ModTime, AccessTime = AccessTime,
    };

    public async Task<Node> DirAsync(string name, uint mode, params Node[] children) => new()
    {
        Name = name, Type = NodeType.Dir, Mode = GoFileMode.Dir | mode, ModTime = ModTime, AccessTime = AccessTime,
        Subtree = await TreeAsync(children),
    };

    public async Task<Id> TreeAsync(params Node[] nodes) => (await Repository.SaveTreeAsync(new Tree(nodes), Ct)).Id;

    /// <summary>A file node holding <paramref name="texts"/> (each its own blob), with its size.</summary>
    public async Task<Node> TextFileAsync(string name, params string[] texts)
    {
        var ids = new List<Id>();
        foreach (var text in texts) ids.Add(await BlobAsync(text));
        return File(name, ids, (ulong)texts.Sum(t => Encoding.UTF8.GetByteCount(t)));
    }

    public ValueTask DisposeAsync() => Repository.DisposeAsync();
}
