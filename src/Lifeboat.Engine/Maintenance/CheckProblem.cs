namespace Lifeboat.Engine.Maintenance;

/// <summary>The kinds of findings restic 0.14's check reports; hints do not make the repository "contain errors".</summary>
public enum CheckProblemKind
{
    /// <summary>An index file that does not load (check stops after loading the indexes).</summary>
    IndexUnreadable,
    /// <summary>Hint: an index file in the pre-0.8 array format.</summary>
    OldIndexFormat,
    /// <summary>Hint: a pack listed in more than one index file.</summary>
    DuplicatePack,
    /// <summary>Hint: a pack holding both data and tree blobs.</summary>
    MixedPack,
    /// <summary>A pack the index lists that is not in data/.</summary>
    PackMissing,
    /// <summary>A pack whose file size differs from the size its index entries imply.</summary>
    PackSizeMismatch,
    /// <summary>Not an error: a pack in data/ that no index lists.</summary>
    PackOrphaned,
    /// <summary>A snapshot file that does not load or decode.</summary>
    SnapshotUnreadable,
    /// <summary>A tree that is missing from the index or does not load.</summary>
    TreeUnreadable,
    /// <summary>A node that is invalid: nil content, null IDs, no subtree, an unknown type, an empty name.</summary>
    InvalidNode,
    /// <summary>A data blob a file needs that no index lists.</summary>
    BlobMissing,
    /// <summary>With --check-unused: a blob in the index that no snapshot uses.</summary>
    UnusedBlob,
    /// <summary>With --read-data: a pack whose content does not verify.</summary>
    PackDamaged,
}

/// <summary>One finding, naming what it concerns (pack, blob, snapshot, tree, path in the snapshot) where known.</summary>
public sealed record CheckProblem(CheckProblemKind Kind, string Message)
{
    public Id? Pack { get; init; }
    public Id? Blob { get; init; }
    public Id? Index { get; init; }
    public Id? Snapshot { get; init; }
    public Id? Tree { get; init; }
    /// <summary>The path inside the snapshot ("/home/x/file"), where known.</summary>
    public string? Path { get; init; }

    /// <summary>Hints and orphaned packs are reported but leave the exit code at 0, as in restic.</summary>
    public bool IsError => Kind is not (CheckProblemKind.OldIndexFormat or CheckProblemKind.DuplicatePack or CheckProblemKind.MixedPack or CheckProblemKind.PackOrphaned);

    public override string ToString() => Message;
}
