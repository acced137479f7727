using System.Security.Cryptography;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Trees;

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
        var walker = new TreeWalker(repository);
        if (mode == StatsMode.RawData)
        {
            // each tree once, over all snapshots
            if (!_visitedTrees.Add(snapshot.Tree)) return;
            _usedBlobs.Add((BlobType.Tree, snapshot.Tree));
            await walker.WalkAsync(snapshot.Tree, new UsedBlobsVisitor(this), cancellationToken).ConfigureAwait(false);
            return;
        }
        await walker.WalkAsync(snapshot.Tree, new CountingVisitor(this, new HashSet<ulong>()), cancellationToken).ConfigureAwait(false);
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

    /// <summary>raw-data: every blob the trees use, each tree walked once over all snapshots.</summary>
    private sealed class UsedBlobsVisitor(StatsCalculator stats) : ITreeVisitor
    {
        public bool ShouldEnter(in TreeWalkEntry directory)
        {
            var subtree = directory.Node.Subtree!.Value;
            if (!stats._visitedTrees.Add(subtree)) return false;
            stats._usedBlobs.Add((BlobType.Tree, subtree));
            return true;
        }

        public ValueTask<TreeWalkAction> VisitAsync(TreeWalkEntry entry, CancellationToken cancellationToken)
        {
            var node = entry.Node;
            if (node.Type == NodeType.File)
                foreach (var blob in node.Content ?? []) stats._usedBlobs.Add((BlobType.Data, blob));
            entry.ThrowIfUnreadable();
            return ValueTask.FromResult(TreeWalkAction.Continue);
        }
    }

    /// <summary>The other modes: every node of one snapshot, hard links counted once within it.</summary>
    private sealed class CountingVisitor(StatsCalculator stats, HashSet<ulong> uniqueInodes) : ITreeVisitor
    {
        public bool ShouldEnter(in TreeWalkEntry directory) => true;

        public ValueTask<TreeWalkAction> VisitAsync(TreeWalkEntry entry, CancellationToken cancellationToken)
        {
            stats.Count(entry, uniqueInodes);
            entry.ThrowIfUnreadable();
            return ValueTask.FromResult(TreeWalkAction.Continue);
        }
    }

    private void Count(in TreeWalkEntry entry, HashSet<ulong> uniqueInodes)
    {
        var node = entry.Node;
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
                string? path = null;
                foreach (var blob in node.Content ?? [])
                {
                    path ??= entry.Path;
                    if (!_fileBlobs.TryGetValue(path, out var blobs))
                    {
                        _fileBlobs[path] = blobs = [];
                        Result.TotalFileCount++;
                    }
                    if (!blobs.Add(blob)) continue;
                    if (!repository.Index.TryLookup(BlobType.Data, blob, out var location))
                        throw new RepositoryException(RepositoryErrorKind.Damaged, $"blob {blob} not found for tree {entry.ParentTree}");
                    Result.TotalSize += PlaintextLength(location.Blob);
                    Result.TotalBlobCount++;
                }
                break;
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
