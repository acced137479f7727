using System.Formats.Tar;
using System.Text;
using Lifeboat.Engine;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Trees;

namespace Lifeboat.Stack.Reading;

/// <summary>
/// A snapshot's directory as a pax tar archive, written as it is read: one tree and one blob in memory at a time,
/// whatever the directory holds (`lifeboat dump` of a directory, the dashboard's .tar download). Entries are named by
/// their path without the leading slash; directories, files and symlinks, with mode, times and owner.
/// </summary>
public static class SnapshotTar
{
    /// <param name="prefix">The name the archive's entries start with (the directory's own name), or "" for its contents alone.</param>
    public static async Task WriteAsync(Repository repository, Id tree, string prefix, Stream output, CancellationToken cancellationToken)
    {
        if (prefix.Length > 0 && !FsNames.IsSafeName(prefix))
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"the directory's name \"{GoQuote.Quote(prefix)}\" is unsafe as an archive member's name: the snapshot was crafted or is damaged");
        var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        await using (tar.ConfigureAwait(false))
        {
            await new TreeWalker(repository).WalkAsync(tree, prefix.Length == 0 ? "" : "/" + prefix, new TarVisitor(repository, tar), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A name with a lone surrogate (a file name that was not UTF-8) made writable: each one becomes U+FFFD.</summary>
    private static string EntryName(string name) => Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(name));

    private sealed class TarVisitor(Repository repository, TarWriter tar) : ITreeVisitor
    {
        public bool ShouldEnter(in TreeWalkEntry directory) => true;

        public async ValueTask<TreeWalkAction> VisitAsync(TreeWalkEntry item, CancellationToken cancellationToken)
        {
            var node = item.Node;
            // a crafted tree may name a node "..", "/" or "a/../../b": such a member would be written outside the
            // directory a tar is extracted into, so the dump stops there, naming it, instead of carrying it
            if (!FsNames.IsSafeName(node.Name))
                throw new RepositoryException(RepositoryErrorKind.Damaged,
                    $"tree {item.ParentTree} holds an unsafe name \"{GoQuote.Quote(node.Name)}\" (in {(item.ParentPath.Length == 0 ? "/" : item.ParentPath)}): the dump stops here");
            var path = item.Path;
            var name = EntryName(path[1..]);
            PaxTarEntry entry;
            switch (node.Type)
            {
                case NodeType.Dir:
                    entry = new PaxTarEntry(TarEntryType.Directory, name + "/");
                    break;
                case NodeType.Symlink:
                    entry = new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = EntryName(node.LinkTarget ?? "") };
                    break;
                case NodeType.File:
                    entry = new PaxTarEntry(TarEntryType.RegularFile, name);
                    // streamed blob by blob: a database of gigabytes must not be held in memory
                    entry.DataStream = new FileContentStream(repository, node, path);
                    break;
                default:
                    return TreeWalkAction.Continue;
            }
            entry.Mode = (UnixFileMode)(GoFileMode.ToPosixPermissions(node.Mode) & 0xFFF);
            entry.ModificationTime = node.ModTime.ToDateTimeOffset();
            entry.Uid = (int)node.Uid;
            entry.Gid = (int)node.Gid;
            entry.UserName = node.User ?? "";
            entry.GroupName = node.Group ?? "";
            await tar.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
            item.ThrowIfUnreadable();
            return TreeWalkAction.Continue;
        }
    }
}
