using System.Runtime.ExceptionServices;
using Lifeboat.Engine.Model;

namespace Lifeboat.Engine.Trees;

/// <summary>One node met by a tree walk, with where it is.</summary>
public readonly struct TreeWalkEntry
{
    private readonly string? _path;

    internal TreeWalkEntry(Node node, Id parentTree, string parentPath, string? path = null, Exception? loadError = null)
    {
        Node = node;
        ParentTree = parentTree;
        ParentPath = parentPath;
        _path = path;
        LoadError = loadError;
    }

    public Node Node { get; }

    /// <summary>The ID of the tree that holds the node.</summary>
    public Id ParentTree { get; }

    /// <summary>The path of the directory that holds the node: "" for the walk's root tree (unless the walk was given a root path).</summary>
    public string ParentPath { get; }

    /// <summary>
    /// The node's slash-separated path from the root, "/dir/sub/file". Built on first use for files (most walks never
    /// ask), so it costs nothing where it is not wanted; a directory the walk entered has it already.
    /// </summary>
    public string Path => _path ?? ParentPath + "/" + Node.Name;

    /// <summary>For a directory the walk was to enter: why its subtree could not be loaded (the walk then goes on without it).</summary>
    public Exception? LoadError { get; }

    /// <summary>For a visitor that stops at a tree it cannot read: rethrows <see cref="LoadError"/> as it was thrown.</summary>
    public void ThrowIfUnreadable()
    {
        if (LoadError is not null) ExceptionDispatchInfo.Throw(LoadError);
    }
}
