using System.Security.Cryptography;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;

namespace Lifeboat.Engine.Maintenance;

/// <summary>restic's four stats counting modes.</summary>
public enum StatsMode { RestoreSize, FilesByContents, RawData, BlobsPerFile }

public sealed class StatsResult
{
    public ulong TotalSize { get; set; }
    public ulong TotalFileCount { get; set; }
    public ulong TotalBlobCount { get; set; }
    public int SnapshotsCount { get; set; }
}

/// <summary>
/// Computes what restic 0.14's stats command reports, mode by mode, with its counting rules: restore-size counts
/// every node and each inode's size once per snapshot; files-by-contents counts each distinct content list once;
/// blobs-per-file counts, for files with new content, each (path, blob) once with the blob's plaintext size;
/// raw-data counts every blob the snapshots use once, with its stored size.
/// </summary>
public sealed class StatsCalculator(Repository.Repository repository, StatsMode mode)
{
    private readonly HashSet<string> _uniqueContents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<Id>> _fileBlobs = new(StringComparer.Ordinal);
    private readonly HashSet<(BlobType, Id)> _usedBlobs = [];
    private readonly HashSet<Id> _visitedTrees = [];

    public StatsResult Result { get; } = new();

    public static string ModeName(StatsMode mode) => mode switch
    {
        StatsMode.RestoreSize => "restore-size",
        StatsMode.FilesByContents => "files-by-contents",
        StatsMode.RawData => "raw-data",
        _ => "blobs-per-file",
    };

    public static StatsMode? ParseMode(string name) => name switch
    {
        "restore-size" => StatsMode.RestoreSize,
        "files-by-contents" => StatsMode.FilesByContents,
        "raw-data" => StatsMode.RawData,
        "blobs-per-file" => StatsMode.BlobsPerFile,
        _ => null,
    };

    public async Task AddSnapshotAsync(Snapshot snapshot, CancellationToken cancellationToken)
    {
        Result.SnapshotsCount++;
        if (mode == StatsMode.RawData)
        {
            await CollectUsedBlobsAsync(snapshot.Tree, cancellationToken).ConfigureAwait(false);
            return;
        }
        await WalkAsync(snapshot.Tree, "/", new HashSet<ulong>(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Finishes raw-data mode (blob sizes are counted once over all snapshots).</summary>
    public StatsResult Finish()
    {
        if (mode == StatsMode.RawData)
        {
            foreach (var (type, id) in _usedBlobs)
            {
                if (!repository.Index.TryLookup(type, id, out var location))
                    throw new RepositoryException(RepositoryErrorKind.Damaged, $"{type.ToJson()} blob {id} is not in the index: the repository is damaged (try rebuild-index)");
                Result.TotalSize += location.Blob.Length;
                Result.TotalBlobCount++;
            }
        }
        return Result;
    }

    private async Task CollectUsedBlobsAsync(Id treeId, CancellationToken cancellationToken)
    {
        if (!_visitedTrees.Add(treeId)) return;
        _usedBlobs.Add((BlobType.Tree, treeId));
        var tree = await repository.LoadTreeAsync(treeId, cancellationToken).ConfigureAwait(false);
        foreach (var node in tree.Nodes)
        {
            if (node.Type == NodeType.File)
                foreach (var blob in node.Content ?? []) _usedBlobs.Add((BlobType.Data, blob));
            else if (node.Type == NodeType.Dir && node.Subtree is { } sub)
                await CollectUsedBlobsAsync(sub, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task WalkAsync(Id treeId, string prefix, HashSet<ulong> uniqueInodes, CancellationToken cancellationToken)
    {
        var tree = await repository.LoadTreeAsync(treeId, cancellationToken).ConfigureAwait(false);
        foreach (var node in tree.Nodes)
        {
            var path = prefix == "/" ? "/" + node.Name : prefix + "/" + node.Name;
            switch (mode)
            {
                case StatsMode.RestoreSize:
                    Result.TotalFileCount++;
                    // hard links restore once; inode 0 means "unknown", always counted
                    if (node.Inode == 0 || uniqueInodes.Add(node.Inode)) Result.TotalSize += node.Size;
                    break;
                case StatsMode.FilesByContents:
                case StatsMode.BlobsPerFile:
                    if (!_uniqueContents.Add(ContentKey(node))) break;
                    if (mode == StatsMode.FilesByContents)
                    {
                        Result.TotalSize += node.Size;
                        Result.TotalFileCount++;
                        break;
                    }
                    foreach (var blob in node.Content ?? [])
                    {
                        if (!_fileBlobs.TryGetValue(path, out var blobs))
                        {
                            _fileBlobs[path] = blobs = [];
                            Result.TotalFileCount++;
                        }
                        if (!blobs.Add(blob)) continue;
                        if (!repository.Index.TryLookup(BlobType.Data, blob, out var location))
                            throw new RepositoryException(RepositoryErrorKind.Damaged, $"blob {blob} not found for tree {treeId}");
                        Result.TotalSize += PlaintextLength(location.Blob);
                        Result.TotalBlobCount++;
                    }
                    break;
            }
            if (node.Type == NodeType.Dir && node.Subtree is { } sub)
                await WalkAsync(sub, path, uniqueInodes, cancellationToken).ConfigureAwait(false);
        }
    }

    internal static ulong PlaintextLength(in PackedBlob blob) =>
        blob.IsCompressed ? blob.UncompressedLength : (ulong)((long)blob.Length - Crypto.CryptoKey.Overhead);

    /// <summary>restic's makeFileIDByContents: SHA-256 over the concatenated content IDs (directories: of nothing).</summary>
    private static string ContentKey(Node node)
    {
        var content = node.Content ?? [];
        var bytes = new byte[content.Count * 32];
        for (int i = 0; i < content.Count; i++) content[i].CopyTo(bytes.AsSpan(i * 32));
        return Convert.ToHexString(SHA256.HashData(bytes));
    }
}
