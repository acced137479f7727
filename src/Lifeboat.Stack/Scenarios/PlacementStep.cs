using Lifeboat.Engine.Platform;

namespace Lifeboat.Stack.Scenarios;

/// <summary>One step of a <see cref="StagedPlacement"/>, recorded before it is carried out so that it can be undone (<see cref="PlacementJournal"/>).</summary>
internal abstract record PlacementStep
{
    /// <summary>A staged item renamed to a destination where nothing was.</summary>
    public sealed record Created(string Destination, string Staged) : PlacementStep;
    /// <summary>A staged file and the one in place swapped (renameat2 RENAME_EXCHANGE): the old one is at Staged now; Device and Inode are the new one's.</summary>
    public sealed record Exchanged(string Destination, string Staged, ulong Device, ulong Inode) : PlacementStep;
    /// <summary>A file replaced atomically; the old one is a hard link at Saved.</summary>
    public sealed record Replaced(string Destination, string Saved) : PlacementStep;
    /// <summary>An item renamed away from its place into the trash.</summary>
    public sealed record MovedAside(string Destination, string Saved) : PlacementStep;
    /// <summary>A merged directory's metadata before the merge; its extended attributes only when the merge sets them.</summary>
    public sealed record DirectoryMetadata(string Destination, FileStatus Before, Dictionary<string, byte[]>? XattrsBefore) : PlacementStep;
}
