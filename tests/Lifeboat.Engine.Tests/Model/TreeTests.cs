using System.Text;
using Lifeboat.Engine.Model;

namespace Lifeboat.Engine.Tests.Model;

public class TreeTests
{
    [Fact]
    public void EmptyTree() => Assert.Equal("{\"nodes\":[]}\n", Encoding.UTF8.GetString(new Tree().ToJson()));

    [Fact]
    public void SortsByRawBytesNotUtf16()
    {
        // U+E000 (EE 80 80) sorts before U+10000 (F0 90 80 80) in bytes, after it in UTF-16 code units.
        var tree = new Tree([
            new Node { Name = "\U00010000", Type = NodeType.File, Content = [] },
            new Node { Name = "\uE000", Type = NodeType.File, Content = [] },
            new Node { Name = FsNames.FromBytes([0xFF]), Type = NodeType.File, Content = [] },
            new Node { Name = "B", Type = NodeType.File, Content = [] },
            new Node { Name = "a", Type = NodeType.File, Content = [] },
        ]);
        var parsed = Tree.Parse(tree.ToJson());
        Assert.Equal(["B", "a", "\uE000", "\U00010000", FsNames.FromBytes([0xFF])], parsed.Nodes.Select(n => n.Name).ToList());
        foreach (var n in parsed.Nodes) Assert.Same(n, parsed.Find(n.Name));
        Assert.Null(parsed.Find("b"));
    }

    [Fact]
    public void DuplicateNamesAreRejected()
    {
        var tree = new Tree([new Node { Name = "x", Type = NodeType.File }, new Node { Name = "x", Type = NodeType.Dir }]);
        Assert.Throws<InvalidOperationException>(() => tree.ToJson());
    }

    [Fact]
    public void NodeWrittenFromScratchMatchesSpecExample()
    {
        var t = GoTime.Parse("2026-11-27T02:08:56.923449003+05:30");
        var node = new Node
        {
            Name = "link", Type = NodeType.Symlink, Mode = GoFileMode.FromPosix(0xA1FF), ModTime = t, AccessTime = t, ChangeTime = t,
            User = "root", Group = "root", Inode = 11755836, DeviceId = 65024, Links = 1, LinkTarget = "../hello.txt",
        };
        Assert.Equal("{\"name\":\"link\",\"type\":\"symlink\",\"mode\":134218239,\"mtime\":\"2026-11-27T02:08:56.923449003+05:30\",\"atime\":\"2026-11-27T02:08:56.923449003+05:30\",\"ctime\":\"2026-11-27T02:08:56.923449003+05:30\",\"uid\":0,\"gid\":0,\"user\":\"root\",\"group\":\"root\",\"inode\":11755836,\"device_id\":65024,\"links\":1,\"linktarget\":\"../hello.txt\",\"content\":null}",
            Encoding.UTF8.GetString(node.ToJson()));
    }

    [Fact]
    public void FileWithEverythingInGoFieldOrder()
    {
        var node = new Node
        {
            Name = "f", Type = NodeType.File, Mode = 420, Uid = 1, Gid = 2, Size = 3, Links = 1, Device = 5, Error = "e<",
            ExtendedAttributes = [new ExtendedAttribute("user.a", [1, 2, 3]), new ExtendedAttribute("user.empty", [])],
            Content = [Id.Hash([])], Subtree = null,
        };
        Assert.Equal("{\"name\":\"f\",\"type\":\"file\",\"mode\":420,\"mtime\":\"0001-01-01T00:00:00Z\",\"atime\":\"0001-01-01T00:00:00Z\",\"ctime\":\"0001-01-01T00:00:00Z\",\"uid\":1,\"gid\":2,\"size\":3,\"links\":1,\"extended_attributes\":[{\"name\":\"user.a\",\"value\":\"AQID\"},{\"name\":\"user.empty\",\"value\":\"\"}],\"device\":5,\"content\":[\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"],\"error\":\"e\\u003c\"}",
            Encoding.UTF8.GetString(node.ToJson()));
    }
}
