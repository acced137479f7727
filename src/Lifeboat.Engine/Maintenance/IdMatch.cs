using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;

namespace Lifeboat.Engine.Maintenance;

/// <summary>
/// A blob or tree found by <see cref="IdFinder"/>: a data blob in a file's content (with the tree that lists the
/// file), or a tree as some directory's subtree.
/// </summary>
public readonly record struct IdMatch(BlobType Kind, Id Id, string Path, Id ParentTree, Snapshot Snapshot);
