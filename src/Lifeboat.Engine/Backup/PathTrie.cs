namespace Lifeboat.Engine.Backup;

/// <summary>
/// The backup targets as a tree of path components: the directories above the targets are saved as intermediate
/// nodes, and a target inside another target is covered by the enclosing one. Stream files
/// (<see cref="StreamSource"/>) are leaves of their own; directories with nothing but stream files below them are not
/// on the file system.
/// </summary>
internal sealed class PathTrie
{
    public Dictionary<string, PathTrie> Children { get; } = [];
    /// <summary>This node is a target itself: everything below it is walked, not listed here.</summary>
    public bool IsTarget { get; private set; }
    /// <summary>Some target is absolute: the tree's first level is the file system root's entries.</summary>
    public bool Rooted { get; private set; }
    /// <summary>This node is a stream file, read from its source instead of the file system.</summary>
    public StreamSource? Stream { get; private set; }

    /// <summary>Whether a file-system target lies here or below (else this is a directory made up for stream files).</summary>
    public bool HasFileSystemTarget => IsTarget || Children.Values.Any(c => c.HasFileSystemTarget);

    public void Add(string path)
    {
        Rooted |= path.StartsWith('/');
        var node = this;
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (node.IsTarget) return; // an enclosing target already covers it
            if (!node.Children.TryGetValue(part, out var child)) node.Children[part] = child = new PathTrie();
            node = child;
        }
        node.IsTarget = true;
        node.Children.Clear();
    }

    /// <summary>
    /// Adds a stream file at its snapshot path, after the file-system targets: it may not lie inside one (the walk of a
    /// directory lists the file system only) nor where another item is.
    /// </summary>
    /// <exception cref="ArgumentException">The path names no file, or is taken.</exception>
    public void AddStream(StreamSource source)
    {
        var path = source.SnapshotPath;
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new ArgumentException($"invalid filename specified: {source.Path} names no file");
        var node = this;
        foreach (var part in parts)
        {
            if (node.IsTarget || node.Stream is not null)
                throw new ArgumentException($"stream file {path} lies inside another item of the backup");
            if (!node.Children.TryGetValue(part, out var child)) node.Children[part] = child = new PathTrie();
            node = child;
        }
        if (node.IsTarget || node.Stream is not null || node.Children.Count > 0)
            throw new ArgumentException($"stream file {path} is also another item of the backup");
        node.Stream = source;
    }
}
