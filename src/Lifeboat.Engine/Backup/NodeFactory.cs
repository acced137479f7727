using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;

namespace Lifeboat.Engine.Backup;

/// <summary>Builds a tree node from an item's lstat, the way restic 0.14 records it on Linux.</summary>
public static class NodeFactory
{
    /// <summary>
    /// The node for an item. With <paramref name="previous"/>, the same item's node in the parent snapshot (taken by
    /// the same user), the extended attributes are not listed again when the ctime says they cannot have changed.
    /// With <paramref name="withAccessTime"/> (--with-atime) the access time is recorded, else the modification time
    /// stands for it.
    /// </summary>
    public static Node FromStatus(string path, string name, in FileStatus st, Node? previous = null, bool withAccessTime = false)
    {
        var node = new Node
        {
            Name = name,
            Type = TypeOf(st),
            Mode = GoFileMode.FromPosix(st.Mode),
            ModTime = GoTime.FromUnix(st.ModTime.Seconds, st.ModTime.Nanoseconds),
            ChangeTime = GoTime.FromUnix(st.ChangeTime.Seconds, st.ChangeTime.Nanoseconds),
            Uid = st.Uid,
            Gid = st.Gid,
            User = Posix.UserName(st.Uid),
            Group = Posix.GroupName(st.Gid),
            Inode = st.Inode,
            DeviceId = st.Device,
        };
        // restic stores the modification time as the access time too, unless --with-atime asks for it
        node.AccessTime = withAccessTime ? GoTime.FromUnix(st.AccessTime.Seconds, st.AccessTime.Nanoseconds) : node.ModTime;
        switch (node.Type)
        {
            case NodeType.File:
                node.Size = (ulong)st.Size;
                node.Links = st.Links;
                node.Content = [];
                break;
            case NodeType.Symlink:
                node.Links = st.Links;
                node.LinkTarget = Posix.ReadLink(path);
                break;
            case NodeType.Dev:
            case NodeType.CharDev:
                node.Links = st.Links;
                node.Device = st.RDevice;
                break;
        }
        // Setting or removing an attribute changes the ctime. An item whose ctime, inode and device are those of
        // a parent node without attributes still has none: skip the llistxattr (one system call and a path walk
        // per item, most of a no-change backup's per-file work besides the lstat). Nodes with attributes are read.
        if (previous is { ExtendedAttributes: null or { Count: 0 } } && previous.Type == node.Type && previous.Inode == node.Inode
            && previous.DeviceId == node.DeviceId && previous.ChangeTime.InstantEquals(node.ChangeTime))
            return node;
        node.ExtendedAttributes = ReadExtendedAttributes(path);
        return node;
    }

    public static string TypeOf(in FileStatus st) =>
        st.IsRegularFile ? NodeType.File :
        st.IsDirectory ? NodeType.Dir :
        st.IsSymlink ? NodeType.Symlink :
        st.IsCharDevice ? NodeType.CharDev :
        st.IsBlockDevice ? NodeType.Dev :
        st.IsFifo ? NodeType.Fifo :
        st.IsSocket ? NodeType.Socket : NodeType.Irregular;

    private static List<ExtendedAttribute>? ReadExtendedAttributes(string path)
    {
        List<string> names;
        try
        {
            names = Posix.ListXattrs(path);
        }
        catch (PosixException)
        {
            return null;
        }
        if (names.Count == 0) return null;
        var result = new List<ExtendedAttribute>(names.Count);
        foreach (var name in names)
        {
            try
            {
                var value = Posix.GetXattr(path, name);
                if (value is not null) result.Add(new ExtendedAttribute(name, value));
            }
            catch (PosixException) { }
        }
        return result.Count == 0 ? null : result;
    }
}
