using Lifeboat.Engine.Model;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Engine.Trees;

/// <summary>
/// The one way through a snapshot's trees (restic's internal/walker): depth first, each tree's nodes in their stored
/// order, each node with its path; the visitor prunes (a directory it does not enter is never loaded) and may stop the
/// walk. While the visitor works, the subtrees it will reach next are loaded ahead, a bounded number at a time.
/// A subtree that cannot be loaded is handed to the visitor as an error on its directory, and the walk goes on.
/// The walker holds no state between walks: one instance may run any number of walks, also at once.
/// </summary>
public sealed class TreeWalker
{
    /// <summary>As many tree loads in flight as the restorer allows itself.</summary>
    public const int DefaultParallelLoads = 8;

    private readonly Repo _repository;
    private readonly int _parallelLoads;

    /// <param name="parallelLoads">How many trees may be loading at once (1: none ahead, each when the walk reaches it).</param>
    public TreeWalker(Repo repository, int parallelLoads = DefaultParallelLoads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelLoads, 1);
        _repository = repository;
        _parallelLoads = parallelLoads;
    }

    /// <summary>
    /// Walks the tree <paramref name="root"/>. Throws the repository's error when the root itself cannot be loaded
    /// (below it, errors go to the visitor), and whatever the visitor throws.
    /// </summary>
    public Task WalkAsync(Id root, ITreeVisitor visitor, CancellationToken cancellationToken) =>
        WalkAsync(root, "", visitor, cancellationToken);

    /// <summary>As <see cref="WalkAsync(Id, ITreeVisitor, CancellationToken)"/>, with paths that start with <paramref name="rootPath"/>.</summary>
    public async Task WalkAsync(Id root, string rootPath, ITreeVisitor visitor, CancellationToken cancellationToken)
    {
        var tree = await _repository.LoadTreeAsync(root, cancellationToken).ConfigureAwait(false);
        await WalkAsync(root, tree, rootPath, visitor, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Walks an already loaded root tree; its nodes' paths start with <paramref name="rootPath"/> ("" for "/name",
    /// "/some/dir" for "/some/dir/name").
    /// </summary>
    public async Task WalkAsync(Id rootId, Tree root, string rootPath, ITreeVisitor visitor, CancellationToken cancellationToken)
    {
        var walk = new TreeWalk(_repository, visitor, _parallelLoads, cancellationToken);
        try
        {
            await walk.WalkTreeAsync(rootId, root, rootPath).ConfigureAwait(false);
        }
        finally
        {
            await walk.DisposeAsync().ConfigureAwait(false);
        }
    }
}
