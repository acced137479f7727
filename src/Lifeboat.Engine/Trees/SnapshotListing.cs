using Lifeboat.Engine.Model;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Engine.Trees;

/// <summary>
/// restic's ls: the nodes of a snapshot's tree in walk order, each with its path, limited to given directories (each
/// directory itself and what is directly in it, or everything below with recursion). Directories that cannot lead to a listed one are never
/// loaded. A subtree that cannot be read ends the listing with its error, after the directory itself was listed.
/// </summary>
public sealed class SnapshotListing
{
    private readonly Repo _repository;
    private readonly List<string> _directories;
    private readonly bool _recursive;

    /// <param name="directories">Absolute paths in the snapshot ("/srv/data", "srv/data/" alike); none: the whole tree.</param>
    /// <param name="recursive">Everything below the directories, not only what is directly in them.</param>
    public SnapshotListing(Repo repository, IEnumerable<string> directories, bool recursive)
    {
        _repository = repository;
        _directories = directories.Select(d => "/" + d.Trim('/')).ToList();
        _recursive = recursive;
    }

    /// <summary>The directories listed, as absolute paths without a trailing slash ("/" for the root).</summary>
    public IReadOnlyList<string> Directories => _directories;

    /// <summary>Walks the tree <paramref name="tree"/> and hands each listed node, with its path, to <paramref name="listed"/>.</summary>
    public Task ListAsync(Id tree, Action<Node, string> listed, CancellationToken cancellationToken) =>
        new TreeWalker(_repository).WalkAsync(tree, new Visitor(this, listed, withDirectoriesOnTheWay: false), cancellationToken);

    /// <summary>
    /// As <see cref="ListAsync"/>, and also each directory on the way to a listed one (restic's ls --ncdu keeps the
    /// tree's shape that way: every listed node is below the directories listed before it).
    /// </summary>
    public Task ListWithDirectoriesOnTheWayAsync(Id tree, Action<Node, string> listed, CancellationToken cancellationToken) =>
        new TreeWalker(_repository).WalkAsync(tree, new Visitor(this, listed, withDirectoriesOnTheWay: true), cancellationToken);

    /// <summary>Whether a node at this path is listed: a listed directory itself too, as restic 0.14 lists it.</summary>
    public bool Lists(string path)
    {
        if (_directories.Count == 0) return true;
        foreach (var dir in _directories)
        {
            if (path == dir) return true;
            var prefix = dir == "/" ? "/" : dir + "/";
            if (!path.StartsWith(prefix, StringComparison.Ordinal)) continue;
            if (_recursive || !path.AsSpan(prefix.Length).Contains('/')) return true;
        }
        return false;
    }

    /// <summary>Whether this path is an ancestor of a listed directory.</summary>
    private bool LeadsToListed(string path)
    {
        foreach (var dir in _directories)
            if (dir.Length > path.Length && dir[path.Length] == '/' && dir.StartsWith(path, StringComparison.Ordinal)) return true;
        return false;
    }

    /// <summary>Whether a listed node can be at or below this directory, or on the way to one.</summary>
    private bool MayEnter(string dir)
    {
        if (_directories.Count == 0) return true;
        foreach (var l in _directories)
            if (l == "/" || l.StartsWith(dir + "/", StringComparison.Ordinal) || l == dir || dir.StartsWith(l + "/", StringComparison.Ordinal)) return true;
        return false;
    }

    private sealed class Visitor(SnapshotListing listing, Action<Node, string> listed, bool withDirectoriesOnTheWay) : ITreeVisitor
    {
        public bool ShouldEnter(in TreeWalkEntry directory) => listing.MayEnter(directory.Path);

        public ValueTask<TreeWalkAction> VisitAsync(TreeWalkEntry entry, CancellationToken cancellationToken)
        {
            var path = entry.Path;
            if (listing.Lists(path) || (withDirectoriesOnTheWay && listing.LeadsToListed(path))) listed(entry.Node, path);
            entry.ThrowIfUnreadable();
            return ValueTask.FromResult(TreeWalkAction.Continue);
        }
    }
}
