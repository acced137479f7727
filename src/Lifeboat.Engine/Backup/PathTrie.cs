namespace Lifeboat.Engine.Backup;

/// <summary>
/// The backup targets as a tree of path components: the directories above the targets are saved as intermediate
/// nodes, and a target inside another target is covered by the enclosing one.
/// </summary>
internal sealed class PathTrie
{
    public Dictionary<string, PathTrie> Children { get; } = [];
    /// <summary>This node is a target itself: everything below it is walked, not listed here.</summary>
    public bool IsTarget { get; private set; }
    /// <summary>Some target is absolute: the tree's first level is the file system root's entries.</summary>
    public bool Rooted { get; private set; }

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
}
