using System.Diagnostics;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Engine.Trees;

/// <summary>
/// One walk's state. The entered subtrees not yet visited form a stack in visiting order (its top is the next one
/// depth first): a tree's entered directories are pushed when the tree is reached, and popped as they are visited.
/// Loads are started for the top of that stack only (the next few trees the walk will need), at most
/// <c>parallelLoads</c> in flight, so that what is loaded ahead stays small however wide the directories are.
/// </summary>
internal sealed class TreeWalk(Repo repository, ITreeVisitor visitor, int parallelLoads, CancellationToken cancellationToken) : IAsyncDisposable
{
    private sealed class Subtree(Id id, string path)
    {
        public Id Id { get; } = id;
        public string Path { get; } = path;
        public Task<Tree>? Load { get; set; }
        /// <summary>Set when the subtree is not to be loaded at all: it lies too deep.</summary>
        public RepositoryException? Refused { get; init; }
    }

    /// <summary>
    /// Deeper than any tree a file system gives (a path of 4096 bytes holds at most 2048 levels): a deeper chain of
    /// trees is crafted, and walking it would only exhaust the stack. (A cycle cannot be crafted: a tree's ID is the
    /// hash of its content, which every load verifies.)
    /// </summary>
    public const int MaxDepth = 2048;

    // how many trees the walk is inside
    private int _depth;

    // How far down the stack loads may start: twice the loads in flight keeps trees ready while others still load.
    private readonly int _lookahead = 2 * parallelLoads;
    private readonly List<Subtree> _pending = [];
    // Cancelled on the way out, so that loads no one will wait for stop early.
    private readonly CancellationTokenSource _loads = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
    private int _inFlight;

    /// <summary>Visits the nodes of <paramref name="tree"/> and below; false when the visitor stopped the walk.</summary>
    public async ValueTask<bool> WalkTreeAsync(Id treeId, Tree tree, string path)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _depth++;
        try
        {
            return await WalkNodesAsync(treeId, tree, path).ConfigureAwait(false);
        }
        finally
        {
            _depth--;
        }
    }

    private async ValueTask<bool> WalkNodesAsync(Id treeId, Tree tree, string path)
    {
        var nodes = tree.Nodes;
        Subtree?[]? entered = null;
        for (int i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            if (node.Type != NodeType.Dir || node.Subtree is not { } subtree) continue;
            var directory = new TreeWalkEntry(node, treeId, path);
            // asked before the visitor, which may skip trees it has seen (check does): too deep is always reported
            if (_depth >= MaxDepth)
            {
                (entered ??= new Subtree?[nodes.Count])[i] = new Subtree(subtree, directory.Path)
                {
                    Refused = new RepositoryException(RepositoryErrorKind.Damaged, $"tree {treeId} is damaged: directory {directory.Path} is more than {MaxDepth} levels deep"),
                };
                continue;
            }
            if (visitor.ShouldEnter(in directory)) (entered ??= new Subtree?[nodes.Count])[i] = new Subtree(subtree, directory.Path);
        }
        if (entered is not null)
        {
            for (int i = entered.Length - 1; i >= 0; i--)
                if (entered[i] is { Refused: null } subtree) _pending.Add(subtree);
            StartLoads();
        }

        for (int i = 0; i < nodes.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var node = nodes[i];
            if (entered?[i] is not { } subtree)
            {
                if (await visitor.VisitAsync(new TreeWalkEntry(node, treeId, path), cancellationToken).ConfigureAwait(false) == TreeWalkAction.Stop) return false;
                continue;
            }

            Tree? loaded = null;
            Exception? error = subtree.Refused;
            if (error is null)
            {
                Debug.Assert(ReferenceEquals(_pending[^1], subtree), "the next entered directory is the top of the stack");
                _pending.RemoveAt(_pending.Count - 1);
                try
                {
                    loaded = await (subtree.Load ?? Start(subtree)).ConfigureAwait(false);
                }
                catch (Exception e) when (e is RepositoryException or IOException)
                {
                    error = e;
                }
                StartLoads();
            }
            var action = await visitor.VisitAsync(new TreeWalkEntry(node, treeId, path, subtree.Path, error), cancellationToken).ConfigureAwait(false);
            if (action == TreeWalkAction.Stop) return false;
            if (loaded is not null && action != TreeWalkAction.SkipSubtree && !await WalkTreeAsync(subtree.Id, loaded, subtree.Path).ConfigureAwait(false)) return false;
        }
        return true;
    }

    /// <summary>
    /// Starts loads from the top of the stack down while there is room. One slot stays free for the tree the walk
    /// waits for when it was not started ahead (the walk went deeper meanwhile), so no more than
    /// <c>parallelLoads</c> are ever in flight.
    /// </summary>
    private void StartLoads()
    {
        for (int i = _pending.Count - 1, seen = 0; i >= 0 && seen < _lookahead && Volatile.Read(ref _inFlight) < parallelLoads - 1; i--, seen++)
            if (_pending[i].Load is null) Start(_pending[i]);
    }

    private Task<Tree> Start(Subtree subtree)
    {
        Interlocked.Increment(ref _inFlight);
        return subtree.Load = LoadAsync(subtree.Id);
    }

    private async Task<Tree> LoadAsync(Id id)
    {
        try
        {
            // On the pool: reading, decrypting and parsing overlap with the visitor's work.
            var token = _loads.Token;
            return await Task.Run(() => repository.LoadTreeAsync(id, token), token).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>Stops and waits out the loads a stopped or failed walk left behind (none after a complete walk).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_pending.Count > 0)
        {
            await _loads.CancelAsync().ConfigureAwait(false);
            foreach (var subtree in _pending)
            {
                if (subtree.Load is not { } load) continue;
                try
                {
                    await load.ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // nobody asked for this tree any more
                }
            }
            _pending.Clear();
        }
        _loads.Dispose();
    }
}
