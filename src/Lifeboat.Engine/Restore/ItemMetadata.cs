using Lifeboat.Engine.Model;

namespace Lifeboat.Engine.Restore;

/// <summary>
/// What a restore applies to an item after creating it. Kept instead of the whole node, so that a restore
/// of many files holds a few dozen bytes per file until its content is written, not a parsed node.
/// </summary>
public readonly record struct ItemMetadata(bool IsSymlink, uint Mode, uint Uid, uint Gid, GoTime AccessTime, GoTime ModTime, List<ExtendedAttribute>? ExtendedAttributes)
{
    public static ItemMetadata Of(Node node) =>
        new(node.Type == NodeType.Symlink, node.Mode, node.Uid, node.Gid, node.AccessTime, node.ModTime, node.ExtendedAttributes);
}
