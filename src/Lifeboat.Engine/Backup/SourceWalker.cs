using System.Diagnostics;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Repository;

namespace Lifeboat.Engine.Backup;

/// <summary>
/// The walk of one run over the file system: each item is lstat'ed, checked against the exclude rules and saved as
/// a node (regular files by the file saver, directories by walking their entries in parallel and saving their tree
/// with the tree saver), next to the parent snapshot's node of the same path. Stream files among the targets are saved
/// by the stream saver, under directories made up for them where no target provides one.
/// </summary>
internal sealed class SourceWalker(BackupRun run, FileSaver files, TreeSaver trees, StreamSaver streams)
{
    /// <summary>Saves the targets in <paramref name="targets"/> and the directories above them; the root tree's ID.</summary>
    public async Task<Id> SaveRootAsync(PathTrie targets, Id? parentRootId)
    {
        Tree? parentRoot = parentRootId is { } rootId ? await run.TryLoadTreeAsync(rootId).ConfigureAwait(false) : null;
        Tree rootTree;
        if (targets.IsTarget)
        {
            // backing up "/" itself: the root tree is the root directory's content
            (rootTree, parentRoot) = await SaveDirectoryContentsAsync("/", "/", -1, parentRootId).ConfigureAwait(false);
        }
        else
        {
            rootTree = new Tree();
            rootTree.Nodes.AddRange(await SaveChildrenAsync(targets, rooted: targets.Rooted, "", parentRoot).ConfigureAwait(false));
        }
        // restic refuses an empty snapshot; from file-system targets alone one cannot arise (they were lstat'ed), from
        // stream files it can (none gave data)
        if (rootTree.Nodes.Count == 0 && run.Options.Streams.Count > 0)
            throw new RepositoryException(RepositoryErrorKind.Fatal, "unable to save snapshot: snapshot is empty");
        return await trees.SaveAsync(rootTree, parentRootId, parentRoot).ConfigureAwait(false);
    }

    /// <summary>The intermediate directories above the targets, saved with their real metadata.</summary>
    private async Task<List<Node>> SaveChildrenAsync(PathTrie trie, bool rooted, string prefix, Tree? parentTree)
    {
        var tasks = new List<Task<Node?>>();
        foreach (var (name, child) in trie.Children.OrderBy(c => c.Key, FsNames.ByteComparer.Instance))
        {
            var path = prefix.Length == 0 ? (rooted ? "/" + name : name) : FsNames.Join(prefix, name);
            var parentNode = parentTree?.Find(name);
            if (child.Stream is { } stream)
            {
                tasks.Add(streams.SaveAsync(stream, name, parentNode));
                continue;
            }
            if (child.IsTarget)
            {
                tasks.Add(SaveItemAsync(path, name, -1, parentNode, isTarget: true));
                continue;
            }
            tasks.Add(child.HasFileSystemTarget
                ? SaveIntermediateAsync(child, rooted, path, name, parentNode)
                : SaveMadeUpDirectoryAsync(child, rooted, path, name, parentNode));
        }
        var nodes = await Task.WhenAll(tasks).ConfigureAwait(false);
        return nodes.Where(n => n is not null).Select(n => n!).ToList();
    }

    private async Task<Node?> SaveIntermediateAsync(PathTrie trie, bool rooted, string path, string name, Node? parentNode)
    {
        if (!Posix.TryLStat(path, out var st, out int errno))
        {
            run.Report(path, "archival", new PosixException(errno, "lstat", path));
            return null;
        }
        var parentTree = parentNode?.Subtree is { } sub ? await run.TryLoadTreeAsync(sub).ConfigureAwait(false) : null;
        var children = await SaveChildrenAsync(trie, rooted, path, parentTree).ConfigureAwait(false);
        var tree = new Tree();
        tree.Nodes.AddRange(children);
        var node = NodeFactory.FromStatus(path, name, st, run.Reusable(parentNode), run.Options.WithAccessTime);
        node.Subtree = await trees.SaveAsync(tree, parentNode?.Subtree, parentTree).ConfigureAwait(false);
        return node;
    }

    /// <summary>A directory above stream files only, so not on the file system: made up as restic's fs.Reader does.</summary>
    private async Task<Node?> SaveMadeUpDirectoryAsync(PathTrie trie, bool rooted, string path, string name, Node? parentNode)
    {
        Id? parentSubtree = parentNode is { Type: NodeType.Dir, Subtree: { } sub } ? sub : null;
        var parentTree = parentSubtree is { } id ? await run.TryLoadTreeAsync(id).ConfigureAwait(false) : null;
        var tree = new Tree();
        tree.Nodes.AddRange(await SaveChildrenAsync(trie, rooted, path, parentTree).ConfigureAwait(false));
        var node = SyntheticNodes.Directory(name);
        node.Subtree = await trees.SaveAsync(tree, parentSubtree, parentTree).ConfigureAwait(false);
        return node;
    }

    /// <summary>
    /// Saves one item found in a directory (or given as a target); null when it is skipped. <paramref name="dirFd"/> is
    /// its directory, open for the walk (-1: go by path).
    /// </summary>
    private async Task<Node?> SaveItemAsync(string path, string name, int dirFd, Node? parentNode, bool isTarget = false)
    {
        run.Cancellation.ThrowIfCancellationRequested();
        long t0 = Stopwatch.GetTimestamp();
        bool found = DirectoryAt.TryLStat(dirFd, name, path, out var st, out int errno);
        Interlocked.Add(ref run.Statistics.StatTicks, Stopwatch.GetTimestamp() - t0);
        if (!found)
        {
            run.Report(path, "archival", new PosixException(errno, "lstat", path));
            return null;
        }
        if (!isTarget && run.Options.Excludes.IsExcluded(SourcePaths.ForRules(path), st)) return null;
        try
        {
            if (st.IsDirectory) return await SaveDirectoryAsync(path, name, dirFd, st, parentNode).ConfigureAwait(false);
            if (st.IsRegularFile) return await files.SaveAsync(path, name, st, parentNode).ConfigureAwait(false);
            return NodeFactory.FromStatus(path, name, st, run.Reusable(parentNode), run.Options.WithAccessTime);
        }
        catch (PosixException e)
        {
            run.Report(path, "archival", e);
            return null;
        }
        catch (IOException e)
        {
            run.Report(path, "archival", e);
            return null;
        }
        catch (UnauthorizedAccessException e)
        {
            run.Report(path, "archival", e);
            return null;
        }
    }

    private async Task<Node?> SaveDirectoryAsync(string path, string name, int parentFd, FileStatus st, Node? parentNode)
    {
        Id? parentSubtree = parentNode is { Type: NodeType.Dir, Subtree: { } sub } ? sub : null;
        var (tree, parentTree) = await SaveDirectoryContentsAsync(path, name, parentFd, parentSubtree).ConfigureAwait(false);
        var node = NodeFactory.FromStatus(path, name, st, run.Reusable(parentNode), run.Options.WithAccessTime);
        node.Subtree = await trees.SaveAsync(tree, parentSubtree, parentTree).ConfigureAwait(false);
        return node;
    }

    /// <summary>
    /// The tree of a directory's entries, each saved (files chunked, subdirectories recursed) in parallel, and the
    /// parent snapshot's tree of it when there is one. The directory stays open until its entries are saved: they
    /// are looked up by name in it (<paramref name="parentFd"/> likewise holds this directory by its name).
    /// </summary>
    private async Task<(Tree Tree, Tree? ParentTree)> SaveDirectoryContentsAsync(string path, string name, int parentFd, Id? parentSubtree)
    {
        List<string> names;
        int fd = -1;
        await run.DirectorySlots.WaitAsync(run.Cancellation).ConfigureAwait(false);
        try
        {
            long t0 = Stopwatch.GetTimestamp();
            if (run.TryCountOpenDirectory()) fd = DirectoryAt.Open(parentFd, name, path);
            // when it cannot be opened (or read) so, listing it by path reports the error as before
            try
            {
                names = fd >= 0 ? DirectoryAt.List(fd, path) : Posix.ListDirectory(path);
            }
            catch (PosixException) when (fd >= 0)
            {
                DirectoryAt.Close(fd);
                fd = -1;
                names = Posix.ListDirectory(path);
            }
            Interlocked.Add(ref run.Statistics.ListTicks, Stopwatch.GetTimestamp() - t0);
        }
        catch
        {
            DirectoryAt.Close(fd);
            run.UncountOpenDirectory();
            throw;
        }
        finally
        {
            run.DirectorySlots.Release();
        }
        List<(int Index, Task<Node?> Task)>? walking = null;
        try
        {
            names.Sort(FsNames.ByteComparer.Instance);
            long tp = Stopwatch.GetTimestamp();
            Tree? parentTree = parentSubtree is { } sub ? await run.TryLoadTreeAsync(sub).ConfigureAwait(false) : null;
            Interlocked.Add(ref run.Statistics.ParentTreeTicks, Stopwatch.GetTimestamp() - tp);
            var children = new Node?[names.Count];
            for (int i = 0; i < names.Count; i++)
            {
                var childPath = FsNames.Join(path, names[i]);
                var parentNode = parentTree?.Find(names[i]);
                if (run.WalkerSlots.Wait(0))
                {
                    // the walk of an item is synchronous until it reads file content, so it needs a thread of its own
                    // to overlap with the others
                    var childName = names[i];
                    (walking ??= []).Add((i, Task.Run(async () =>
                    {
                        try
                        {
                            return await SaveItemAsync(childPath, childName, fd, parentNode).ConfigureAwait(false);
                        }
                        finally
                        {
                            run.WalkerSlots.Release();
                        }
                    })));
                }
                else
                {
                    children[i] = await SaveItemAsync(childPath, names[i], fd, parentNode).ConfigureAwait(false);
                }
            }
            if (walking is not null)
                foreach (var (index, task) in walking) children[index] = await task.ConfigureAwait(false);
            var tree = new Tree();
            foreach (var c in children)
                if (c is not null) tree.Nodes.Add(c);
            return (tree, parentTree);
        }
        finally
        {
            // No entry may still use the descriptor when it is closed (its number would be reused): on failure, wait
            // for the items walking on their own threads first.
            if (walking is not null)
                foreach (var (_, task) in walking)
                    if (!task.IsCompleted) await Task.WhenAny(task).ConfigureAwait(false);
            DirectoryAt.Close(fd);
            run.UncountOpenDirectory();
        }
    }
}
