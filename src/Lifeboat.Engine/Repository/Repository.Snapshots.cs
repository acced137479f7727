using Lifeboat.Engine.Model;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Engine.Repository;

/// <summary>Snapshots and trees: the typed layer over unpacked files and tree blobs.</summary>
public sealed partial class Repository
{
    public async Task<Snapshot> LoadSnapshotAsync(Id id, CancellationToken cancellationToken)
    {
        var json = await LoadUnpackedAsync(FileType.Snapshot, id, cancellationToken).ConfigureAwait(false);
        return DecodeSnapshot(json, id);
    }

    /// <summary>A snapshot file's decrypted JSON, or a Damaged error naming it: what a hostile snapshot can reach.</summary>
    internal static Snapshot DecodeSnapshot(ReadOnlySpan<byte> json, Id id)
    {
        Snapshot snapshot;
        try
        {
            snapshot = Snapshot.Parse(json);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or System.Text.Json.JsonException)
        {
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"snapshot {id} cannot be decoded: {e.Message}");
        }
        snapshot.Id = id;
        return snapshot;
    }

    /// <summary>Every snapshot, oldest first (by time, then ID).</summary>
    public async Task<List<Snapshot>> ListSnapshotsAsync(CancellationToken cancellationToken)
    {
        var ids = await ListIdsAsync(FileType.Snapshot, cancellationToken).ConfigureAwait(false);
        var snapshots = new Snapshot[ids.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, ids.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Options.Connections), CancellationToken = cancellationToken },
            async (i, ct) => snapshots[i] = await LoadSnapshotAsync(ids[i], ct).ConfigureAwait(false)).ConfigureAwait(false);
        return snapshots.OrderBy(s => s.Time).ThenBy(s => s.Id).ToList();
    }

    public async Task<Id> SaveSnapshotAsync(Snapshot snapshot, CancellationToken cancellationToken)
    {
        var id = await SaveUnpackedAsync(FileType.Snapshot, snapshot.ToJson(), cancellationToken).ConfigureAwait(false);
        snapshot.Id = id;
        return id;
    }

    /// <summary>
    /// Finds a snapshot as restic does: "latest" (optionally filtered), a full ID, or a unique ID prefix.
    /// </summary>
    public async Task<Snapshot> FindSnapshotAsync(string spec, SnapshotFilter? filter, CancellationToken cancellationToken)
    {
        if (spec == "latest")
        {
            var all = await ListSnapshotsAsync(cancellationToken).ConfigureAwait(false);
            var match = all.Where(s => filter is null || filter.Matches(s)).ToList();
            if (match.Count == 0) throw new RepositoryException(RepositoryErrorKind.Fatal, "no snapshot found" + (filter is null || filter.IsEmpty ? "" : " for the given host, path or tag filter"));
            return match[^1];
        }
        if (Id.TryParse(spec, out var full)) return await LoadSnapshotAsync(full, cancellationToken).ConfigureAwait(false);
        var candidates = (await ListIdsAsync(FileType.Snapshot, cancellationToken).ConfigureAwait(false))
            .Where(id => id.ToString().StartsWith(spec, StringComparison.Ordinal)).ToList();
        if (candidates.Count == 0 || spec.Length == 0) throw new RepositoryException(RepositoryErrorKind.Fatal, $"no matching ID found for prefix \"{spec}\"");
        if (candidates.Count > 1) throw new RepositoryException(RepositoryErrorKind.Fatal, $"snapshot ID prefix \"{spec}\" is ambiguous: it matches {candidates.Count} snapshots");
        return await LoadSnapshotAsync(candidates[0], cancellationToken).ConfigureAwait(false);
    }

    public async Task<Tree> LoadTreeAsync(Id id, CancellationToken cancellationToken)
    {
        var json = await LoadBlobAsync(BlobType.Tree, id, cancellationToken).ConfigureAwait(false);
        return DecodeTree(json, id);
    }

    /// <summary>A tree blob's decrypted JSON, or a Damaged error naming it: what a hostile tree can reach.</summary>
    internal static Tree DecodeTree(ReadOnlySpan<byte> json, Id id)
    {
        try
        {
            return Tree.Parse(json);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or System.Text.Json.JsonException)
        {
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"tree {id} cannot be decoded: {e.Message}");
        }
    }

    /// <summary>Stores a tree (unless known) and returns its ID.</summary>
    public async Task<(Id Id, bool Added, int Size)> SaveTreeAsync(Tree tree, CancellationToken cancellationToken)
    {
        var json = tree.ToJson();
        var id = Id.Hash(json);
        bool added = await SaveBlobAsync(BlobType.Tree, id, json, cancellationToken).ConfigureAwait(false);
        return (id, added, json.Length);
    }

    /// <summary>Follows a slash-separated path from a tree; null when it does not exist.</summary>
    public async Task<Node?> FindNodeAsync(Id rootTree, string path, CancellationToken cancellationToken)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        Id tree = rootTree;
        Node? node = null;
        foreach (var part in parts)
        {
            if (node is not null)
            {
                if (node.Type != NodeType.Dir || node.Subtree is null) return null;
                tree = node.Subtree.Value;
            }
            node = (await LoadTreeAsync(tree, cancellationToken).ConfigureAwait(false)).Find(part);
            if (node is null) return null;
        }
        return node;
    }
}
