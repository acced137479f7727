using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Repository;

namespace Lifeboat.Engine.Maintenance;

/// <summary>
/// restic's recover (0.10): the trees the index holds that neither a snapshot nor another tree references are the roots
/// of what no snapshot reaches any more (a snapshot forgotten by mistake, a backup interrupted before its snapshot). A
/// new snapshot of the path "/recover", tagged "recovered", gets a root directory holding each of them under its short
/// ID. The caller holds an exclusive lock and has loaded the index.
/// </summary>
public sealed class Recoverer(Repository.Repository repository, Action<string> report, Action<string> warn)
{
    public const string SnapshotPath = "/recover";
    public const string Tag = "recovered";

    /// <summary>The unreferenced root trees, by ID.</summary>
    public async Task<List<Id>> FindRootsAsync(CancellationToken cancellationToken)
    {
        // false: not (yet) seen referenced by another tree or a snapshot
        var trees = new Dictionary<Id, bool>();
        foreach (var (_, blob) in repository.Index.All())
            if (blob.Type == BlobType.Tree) trees.TryAdd(blob.Id, false);

        report($"load {trees.Count} trees");
        var referenced = new HashSet<Id>();
        await Parallel.ForEachAsync(trees.Keys.ToList(),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, repository.Options.Connections), CancellationToken = cancellationToken },
            async (id, ct) =>
            {
                Tree tree;
                try
                {
                    tree = await repository.LoadTreeAsync(id, ct).ConfigureAwait(false);
                }
                catch (RepositoryException e)
                {
                    warn($"unable to load tree {id.ToShortString()}: {e.Message}");
                    return;
                }
                lock (referenced)
                    foreach (var node in tree.Nodes)
                        if (node.Type == NodeType.Dir && node.Subtree is { } subtree) referenced.Add(subtree);
            }).ConfigureAwait(false);

        report("load snapshots");
        foreach (var snapshot in await repository.ListSnapshotsAsync(cancellationToken).ConfigureAwait(false))
            referenced.Add(snapshot.Tree);
        report("done");
        return trees.Keys.Where(id => !referenced.Contains(id)).Order().ToList();
    }

    /// <summary>Saves the root directory holding <paramref name="roots"/> and the snapshot of it; returns the snapshot.</summary>
    public async Task<Snapshot> SaveSnapshotAsync(IReadOnlyCollection<Id> roots, string hostname, CancellationToken cancellationToken)
    {
        var now = GoTime.Now();
        var tree = new Tree(roots.Select(id => new Node
        {
            Name = id.ToShortString(),
            Type = NodeType.Dir,
            Mode = 0b111_101_101, // 0755, without Go's directory bit, as restic writes it
            ModTime = now,
            AccessTime = now,
            ChangeTime = now,
            Subtree = id,
        }));
        tree.Sort();
        var (treeId, _, _) = await repository.SaveTreeAsync(tree, cancellationToken).ConfigureAwait(false);
        await repository.FlushAsync(cancellationToken).ConfigureAwait(false);
        var snapshot = new Snapshot
        {
            Time = GoTime.Now(),
            Tree = treeId,
            Paths = [SnapshotPath],
            Hostname = hostname,
            Username = Environment.UserName,
            Uid = Posix.GetUid(),
            Gid = Posix.GetGid(),
            Tags = [Tag],
        };
        snapshot.Id = await repository.SaveSnapshotAsync(snapshot, cancellationToken).ConfigureAwait(false);
        return snapshot;
    }
}
