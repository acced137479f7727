using Lifeboat.Engine.Backup;

namespace Lifeboat.Engine.Tests.Backup;

/// <summary>The targets as a tree of path components: a target inside another is covered by it, in either order.</summary>
public sealed class PathTrieTests
{
    private static PathTrie Of(params string[] paths)
    {
        var trie = new PathTrie();
        foreach (var p in paths) trie.Add(p);
        return trie;
    }

    private static PathTrie At(PathTrie trie, string path) =>
        path.Split('/', StringSplitOptions.RemoveEmptyEntries).Aggregate(trie, (node, part) => node.Children[part]);

    [Theory]
    [InlineData("/srv/app", "/srv/app/data")]
    [InlineData("/srv/app/data", "/srv/app")]
    public void TargetInsideAnother_IsCoveredByIt(string first, string second)
    {
        var trie = Of(first, second);

        var app = At(trie, "/srv/app");
        Assert.True(app.IsTarget);
        Assert.Empty(app.Children);
        Assert.False(At(trie, "/srv").IsTarget);
    }

    [Fact]
    public void SiblingTargets_ShareTheirParents()
    {
        var trie = Of("/srv/a", "/srv/b", "/home/u");

        Assert.Equal(["home", "srv"], trie.Children.Keys.Order());
        Assert.Equal(["a", "b"], At(trie, "/srv").Children.Keys.Order());
        Assert.True(trie.Rooted);
    }

    [Fact]
    public void RelativeTargets_AreNotRooted_AndTheRootIsATarget()
    {
        var relative = Of("docs/x");
        Assert.False(relative.Rooted);
        Assert.True(At(relative, "docs/x").IsTarget);

        var root = Of("/srv", "/");
        Assert.True(root.IsTarget);
        Assert.Empty(root.Children);
    }
}
