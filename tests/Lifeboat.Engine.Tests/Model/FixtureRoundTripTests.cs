using System.Text;
using Lifeboat.Engine.Model;

namespace Lifeboat.Engine.Tests.Model;

public class FixtureRoundTripTests
{
    public static TheoryData<string> Manifests => new(ReferenceFixtures.Manifests);

    [Theory]
    [MemberData(nameof(Manifests))]
    public void EveryTreeBlobRoundTripsByteIdenticalAndHashesToItsId(string manifest)
    {
        var blobs = ReferenceFixtures.TreeBlobs(manifest).ToList();
        Assert.NotEmpty(blobs);
        foreach (var blob in blobs)
        {
            var tree = Tree.Parse(blob.Json);
            var written = tree.ToJson();
            Assert.Equal(Encoding.UTF8.GetString(blob.Json), Encoding.UTF8.GetString(written));
            Assert.Equal(blob.Json, written);
            Assert.Equal(blob.Id, Id.Hash(written).ToString());
        }
    }

    [Theory]
    [MemberData(nameof(Manifests))]
    public void EverySnapshotRoundTripsByteIdentical(string manifest)
    {
        var snapshots = ReferenceFixtures.Snapshots(manifest).ToList();
        Assert.Equal(2, snapshots.Count);
        foreach (var (_, json) in snapshots)
        {
            var snapshot = Snapshot.Parse(Encoding.UTF8.GetBytes(json));
            Assert.Equal(json, Encoding.UTF8.GetString(snapshot.ToJson()));
        }
    }

    [Fact]
    public void SecondSnapshotFieldsAreRead()
    {
        var (_, json) = ReferenceFixtures.Snapshots(ReferenceFixtures.Manifests[1]).Single(s => s.Json.Contains("parent"));
        var s = Snapshot.Parse(Encoding.UTF8.GetBytes(json));
        Assert.Equal("2026-11-27T02:11:38.988588253+05:30", s.Time.ToString());
        Assert.Equal(19800, s.Time.OffsetSeconds);
        Assert.Equal(988588253, s.Time.Nanoseconds);
        Assert.Equal(Id.Parse("a3696ac5a38d04f28e070743d148cbf2bf0ea1ad05cabc3120bd5fc069109ea7"), s.Parent);
        Assert.Equal(["/tmp/work/fxsrc"], s.Paths!);
        Assert.Equal("fixturehost", s.Hostname);
        Assert.Equal("root", s.Username);
        Assert.Equal(["*.tmp"], s.Excludes!);
        Assert.True(s.HasTag("second"));
        Assert.False(s.HasTag("first"));
        Assert.Null(s.Original);
        Assert.Null(s.Summary);
    }

    [Fact]
    public void FixtureNodesDecodeToTheRightValues()
    {
        var blob = ReferenceFixtures.TreeBlobs(ReferenceFixtures.Manifests[0])
            .First(b => Encoding.UTF8.GetString(b.Json).Contains("bad\\\\xffname"));
        var tree = Tree.Parse(blob.Json);

        var bad = tree.Nodes[0];
        Assert.Equal(new byte[] { (byte)'b', (byte)'a', (byte)'d', 0xFF, (byte)'n', (byte)'a', (byte)'m', (byte)'e' }, FsNames.ToBytes(bad.Name));
        Assert.Same(bad, tree.Find(FsNames.FromBytes([(byte)'b', (byte)'a', (byte)'d', 0xFF, (byte)'n', (byte)'a', (byte)'m', (byte)'e'])));

        var weird = tree.Find("we\"ird\\\\na<me>&\tx");
        Assert.NotNull(weird);
        Assert.Equal(NodeType.File, weird.Type);

        var dir = tree.Find("dir")!;
        Assert.Equal(NodeType.Dir, dir.Type);
        Assert.Equal(2148532717u, dir.Mode);
        Assert.Null(dir.Content);
        Assert.NotNull(dir.Subtree);

        var empty = tree.Find("empty")!;
        Assert.NotNull(empty.Content);
        Assert.Empty(empty.Content);
        Assert.Equal(0ul, empty.Size);

        var hello = tree.Find("hello.txt")!;
        Assert.Equal(2ul, hello.Links);
        var xattr = Assert.Single(hello.ExtendedAttributes!);
        Assert.Equal("user.test", xattr.Name);
        Assert.Equal(new byte[] { (byte)'v', (byte)'a', (byte)'l', (byte)'u', (byte)'e', (byte)'1', 0, 0xFF }, xattr.Value);

        Assert.Equal(33554852u, tree.Find("fifo")!.Mode);
        Assert.NotNull(tree.Find("ü.txt"));
        Assert.Null(tree.Find("nope"));
    }

    [Fact]
    public void SymlinkNodeFromSpecExample()
    {
        var blob = ReferenceFixtures.TreeBlobs(ReferenceFixtures.Manifests[1])
            .First(b => Encoding.UTF8.GetString(b.Json).Contains("\"link\""));
        var link = Tree.Parse(blob.Json).Find("link")!;
        Assert.Equal(NodeType.Symlink, link.Type);
        Assert.Equal(134218239u, link.Mode);
        Assert.Equal("../hello.txt", link.LinkTarget);
        Assert.Equal(65024ul, link.DeviceId);
        Assert.Equal(1ul, link.Links);
        Assert.Null(link.Content);
    }
}
