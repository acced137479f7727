namespace Lifeboat.Engine.Restore;

/// <summary>What a restore did with one item: restic's verbose item actions ("restored", "updated", "unchanged", "deleted").</summary>
public enum RestoreItemAction
{
    Restored,
    /// <summary>A file that existed: only the blobs that differed were written.</summary>
    Updated,
    /// <summary>Left as it was (it matched, or the overwrite setting kept it).</summary>
    Unchanged,
    /// <summary>Removed by --delete.</summary>
    Deleted,
}
