namespace Lifeboat.Engine.Restore;

/// <summary>restic 0.17's --overwrite: what restore does with an item already at its place in the target.</summary>
public enum RestoreOverwrite
{
    /// <summary>
    /// Always: a file's content is compared with the snapshot blob by blob and only what differs is written (a file
    /// that matches keeps its content and gets the snapshot's metadata, counted as skipped).
    /// </summary>
    Always,
    /// <summary>As <see cref="Always"/>, but a file of the same size and modification time is taken as unchanged unread.</summary>
    IfChanged,
    /// <summary>Only when the snapshot's item is newer (modification time) than the one in the target.</summary>
    IfNewer,
    /// <summary>Never: what exists stays as it is.</summary>
    Never,
}
