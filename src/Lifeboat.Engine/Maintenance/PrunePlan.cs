using Lifeboat.Engine.Repository;

namespace Lifeboat.Engine.Maintenance;

/// <summary>Blob and byte counts of a prune plan, as restic reports them.</summary>
public sealed class PruneStatistics
{
    public long UsedBlobs, UsedBytes, DuplicateBlobs, DuplicateBytes, UnusedBlobs, UnusedBytes, UnreferencedBytes;
    public long RepackBlobs, RepackBytes, RepackRemovedBlobs, RepackRemovedBytes, RemoveBlobs, RemoveBytes;
    public int UsedPacks, PartlyUsedPacks, UnusedPacks, KeepPacks;

    public long TotalBlobs => UsedBlobs + DuplicateBlobs + UnusedBlobs;
    public long TotalBytes => UsedBytes + DuplicateBytes + UnusedBytes + UnreferencedBytes;
    public long PrunedBlobs => RemoveBlobs + RepackRemovedBlobs;
    public long PrunedBytes => RemoveBytes + RepackRemovedBytes + UnreferencedBytes;
    public long UnusedBytesAfter => UnusedBytes - RemoveBytes - RepackRemovedBytes;
}

/// <summary>What a prune will do: which packs go, which are rewritten, which blobs must survive.</summary>
public sealed class PrunePlan
{
    public PruneStatistics Statistics { get; } = new();
    /// <summary>Packs in no index at all (left by an interrupted backup or prune): deleted first.</summary>
    public HashSet<Id> UnreferencedPacks { get; } = [];
    /// <summary>Packs with no used blob: deleted once the new index is written.</summary>
    public HashSet<Id> RemovePacks { get; } = [];
    /// <summary>Packs whose used blobs are copied into new packs, then deleted.</summary>
    public HashSet<Id> RepackPacks { get; } = [];
    /// <summary>Packs the index lists but that are missing and not needed: dropped from the new index.</summary>
    public HashSet<Id> MissingUnneededPacks { get; } = [];
    /// <summary>The size of each pack of <see cref="RepackPacks"/> as the listing of the repository's packs gave it: the bound of every read from it.</summary>
    public Dictionary<Id, long> RepackPackSizes { get; } = [];
    /// <summary>Used blobs whose only copies lie in packs being repacked.</summary>
    public HashSet<(BlobType Type, Id Id)> BlobsToRepack { get; } = [];

    public bool NothingToDo => UnreferencedPacks.Count == 0 && RemovePacks.Count == 0 && RepackPacks.Count == 0 && MissingUnneededPacks.Count == 0;
}
