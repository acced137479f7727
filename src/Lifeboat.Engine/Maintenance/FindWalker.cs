using Lifeboat.Engine.Filtering;
using Lifeboat.Engine.Model;

namespace Lifeboat.Engine.Maintenance;

/// <summary>
/// restic's find: every node of a snapshot whose full path matches one of the patterns (restic's filter
/// patterns, optionally case-insensitive), in tree order. Directories no pattern can reach below are skipped.
/// </summary>
public sealed class FindWalker(Repository.Repository repository, IReadOnlyList<string> patterns, bool ignoreCase)
{
    private readonly List<PathPattern> _patterns = patterns.Select(p => new PathPattern(p, ignoreCase)).ToList();

    public async Task<List<(string Path, Node Node)>> FindAsync(Snapshot snapshot, CancellationToken cancellationToken)
    {
        var matches = new List<(string, Node)>();
        await WalkAsync(snapshot.Tree, "", matches, cancellationToken).ConfigureAwait(false);
        return matches;
    }

    private async Task WalkAsync(Id treeId, string prefix, List<(string, Node)> matches, CancellationToken cancellationToken)
    {
        var tree = await repository.LoadTreeAsync(treeId, cancellationToken).ConfigureAwait(false);
        foreach (var node in tree.Nodes)
        {
            var path = prefix + "/" + node.Name;
            bool matched = _patterns.Any(p => p.Matches(path));
            if (matched) matches.Add((path, node));
            if (node.Type == NodeType.Dir && node.Subtree is { } sub && (matched || _patterns.Any(p => p.ChildMayMatch(path))))
                await WalkAsync(sub, path, matches, cancellationToken).ConfigureAwait(false);
        }
    }
}
