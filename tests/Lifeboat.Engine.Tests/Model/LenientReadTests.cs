using System.Text;
using Lifeboat.Engine.Model;

namespace Lifeboat.Engine.Tests.Model;

public class LenientReadTests
{
    private const string IdA = "75ecc33bdd08b6ba7223e192f530ffc23af081199a11403adbc455e62fa5ae73";
    private const string IdB = "a1fce4363854ff888cff4b8e7875d600c2682390412a8cf79b37d0b11148b0fa";

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void CaseVariantKeysUnknownMembersWhitespaceAndEscapes()
    {
        string json = $$"""
            {
              "NODES" : [
                { "Name" : "a\/b\u00e9", "TYPE":"file", "Mode": 420, "MTime":"2020-01-02T03:04:05.5+01:00",
                  "unknown": {"x": [1, 2, {"y": null}]}, "Content" : [ "{{IdA}}", "{{IdB.ToUpperInvariant()}}" ],
                  "SIZE": 7, "ſize": 8, "linK": 3, "Device_ID": 9 , "Uid": 1000, "gid": null, "user": "me", "links": 2 }
              ],
              "extra": "ignored"
            }

            """;
        var tree = Tree.Parse(Utf8(json));
        var n = Assert.Single(tree.Nodes);
        Assert.Equal("a/bé", n.Name);
        Assert.Equal(NodeType.File, n.Type);
        Assert.Equal(420u, n.Mode);
        Assert.Equal("2020-01-02T03:04:05.5+01:00", n.ModTime.ToString());
        Assert.Equal([Id.Parse(IdA), Id.Parse(IdB)], n.Content!);
        Assert.Equal(8ul, n.Size); // "ſize" (U+017F long s) matches like Go's EqualFold; the last one wins
        Assert.Equal(2ul, n.Links);
        Assert.Equal(9ul, n.DeviceId);
        Assert.Equal(1000u, n.Uid);
        Assert.Equal(0u, n.Gid);
        var unknown = n.ExtraFields!.Select(f => f.Name).ToList();
        Assert.Equal(["unknown", "linK"], unknown); // "linK" with ASCII K is not "links" (length differs) and is kept
        // Unknown members are written back after the known ones, compacted.
        var written = Encoding.UTF8.GetString(tree.ToJson());
        Assert.EndsWith($"\"content\":[\"{IdA}\",\"{IdB}\"],\"unknown\":{{\"x\":[1,2,{{\"y\":null}}]}},\"linK\":3}}]}}\n", written);
    }

    [Fact]
    public void KelvinSignMatchesK()
    {
        var n = Node.Parse(Utf8("{\"name\":\"x\",\"type\":\"symlink\",\"lin\u212Atarget\":\"t\",\"content\":null}"));
        Assert.Equal("t", n.LinkTarget);
    }

    [Fact]
    public void RawInvalidUtf8InsideStringsIsKept()
    {
        // copy-unstable-json style: a symlink target with raw invalid UTF-8 bytes inside the JSON string.
        var json = new List<byte>(Utf8("{\"nodes\":[{\"name\":\"l\",\"type\":\"symlink\",\"linktarget\":\"bad"));
        json.AddRange([0xFF, 0xC3, (byte)'x', 0xED, 0xA0, 0x80]);
        json.AddRange(Utf8("\",\"user\":\"u"));
        json.Add(0xFE);
        json.AddRange(Utf8("\",\"content\":null}]}\n"));
        var tree = Tree.Parse(json.ToArray());
        var n = tree.Nodes[0];
        Assert.Equal(new byte[] { (byte)'b', (byte)'a', (byte)'d', 0xFF, 0xC3, (byte)'x', 0xED, 0xA0, 0x80 }, FsNames.ToBytes(n.LinkTarget!));
        Assert.Equal(new byte[] { (byte)'u', 0xFE }, FsNames.ToBytes(n.User!));

        // Written back: linktarget escaped as Go does (each invalid byte -> \ufffd), plus the exact bytes in linktarget_raw.
        var written = Encoding.UTF8.GetString(tree.ToJson());
        Assert.Contains("\"linktarget\":\"bad\\ufffd\\ufffdx\\ufffd\\ufffd\\ufffd\",\"linktarget_raw\":\"YmFk/8N47aCA\",\"content\":null", written);
        Assert.Contains("\"user\":\"u\\ufffd\"", written);
        // And read again, linktarget_raw wins.
        Assert.Equal(FsNames.ToBytes(n.LinkTarget!), FsNames.ToBytes(Tree.Parse(Utf8(written)).Nodes[0].LinkTarget!));
    }

    [Fact]
    public void NewerResticFieldsAreUnderstoodOrKept()
    {
        string json = "{\"nodes\":[{\"name\":\"f\",\"type\":\"irregular\",\"mode\":524708," +
                      "\"mtime\":\"2024-01-01T00:00:00Z\",\"atime\":\"2024-01-01T00:00:00Z\",\"ctime\":\"2024-01-01T00:00:00Z\"," +
                      "\"uid\":0,\"gid\":0,\"linktarget\":\"\\ufffd\",\"linktarget_raw\":\"/w==\"," +
                      "\"generic_attributes\":{\"windows.creation_time\":\"AAAA\"},\"content\":null}]}\n";
        var tree = Tree.Parse(Utf8(json));
        var n = tree.Nodes[0];
        Assert.Equal(NodeType.Irregular, n.Type);
        Assert.Equal(GoFileMode.Irregular | 0x1A4u, n.Mode);
        Assert.Equal(new byte[] { 0xFF }, FsNames.ToBytes(n.LinkTarget!));
        Assert.Equal("generic_attributes", Assert.Single(n.ExtraFields!).Name);
        // A newer restic's tree comes back byte for byte: generic_attributes goes where restic 0.17 puts it.
        Assert.Equal(json, Encoding.UTF8.GetString(tree.ToJson()));
    }

    [Fact]
    public void NullsAndEmptyValues()
    {
        var tree = Tree.Parse(Utf8("{\"nodes\":[{\"name\":\"d\",\"type\":\"dir\",\"subtree\":null,\"content\":null,\"extended_attributes\":null,\"mtime\":null}]}"));
        var n = tree.Nodes[0];
        Assert.Null(n.Subtree);
        Assert.Null(n.Content);
        Assert.Null(n.ExtendedAttributes);
        Assert.True(n.ModTime.IsZero);
        Assert.Empty(Tree.Parse(Utf8("{\"nodes\":null}")).Nodes);
        Assert.Empty(Tree.Parse(Utf8("{}")).Nodes);
        Assert.Empty(Tree.Parse(Utf8("{\"nodes\":[]}\n")).Nodes);
    }

    [Theory]
    [InlineData("", "tree JSON")]
    [InlineData("{\"nodes\":[{\"name\":\"a\\\\qb\"}]}", "unquote")]
    [InlineData("{\"nodes\":[{\"name\":\"a\\\"b\"}]}", "unquote")]
    [InlineData("{\"nodes\":[{\"name\":\"x\",\"mode\":-1}]}", "mode")]
    [InlineData("{\"nodes\":[{\"name\":\"x\",\"mode\":1.5}]}", "mode")]
    [InlineData("{\"nodes\":[{\"name\":\"x\",\"size\":\"7\"}]}", "size")]
    [InlineData("{\"nodes\":[{\"name\":\"x\",\"mtime\":\"yesterday\"}]}", "mtime")]
    [InlineData("{\"nodes\":[{\"name\":\"x\",\"content\":[\"abc\"]}]}", "content")]
    [InlineData("{\"nodes\":[{\"name\":\"x\",\"subtree\":5}]}", "subtree")]
    [InlineData("{\"nodes\":[{\"name\":\"x\",\"extended_attributes\":[{\"name\":\"a\",\"value\":\"!!\"}]}]}", "base64")]
    [InlineData("{\"nodes\":[null]}", "null")]
    [InlineData("{\"nodes\":{}}", "nodes")]
    [InlineData("{\"nodes\":[]} x", "")]
    [InlineData("{\"nodes\":[],}", "")]
    [InlineData("[1]", "tree")]
    public void BadTreesThrowInvalidData(string json, string mentions)
    {
        var e = Assert.Throws<InvalidDataException>(() => Tree.Parse(Utf8(json)));
        Assert.Contains(mentions, e.Message);
    }

    [Fact]
    public void SnapshotWithNewerFieldsRoundTrips()
    {
        string json = "{\"time\":\"2024-05-06T07:08:09.123+02:00\",\"tree\":\"" + IdA + "\",\"paths\":[\"/home/u\"]," +
                      "\"hostname\":\"h\",\"username\":\"u\",\"uid\":1000,\"gid\":100,\"tags\":[\"a\",\"b\"],\"original\":\"" + IdB + "\"," +
                      "\"program_version\":\"restic 0.17.3\",\"summary\":{\"backup_start\":\"2024-05-06T07:08:09.123+02:00\"," +
                      "\"backup_end\":\"2024-05-06T07:08:19+02:00\",\"files_new\":1,\"files_changed\":2,\"files_unmodified\":3," +
                      "\"dirs_new\":4,\"dirs_changed\":5,\"dirs_unmodified\":6,\"data_blobs\":7,\"tree_blobs\":8,\"data_added\":9," +
                      "\"data_added_packed\":10,\"total_files_processed\":11,\"total_bytes_processed\":12},\"future\":[true]}";
        var s = Snapshot.Parse(Utf8(json));
        Assert.Equal("restic 0.17.3", s.ProgramVersion);
        Assert.Equal(12ul, s.Summary!.TotalBytesProcessed);
        Assert.Equal(7, s.Summary.DataBlobs);
        Assert.Equal(Id.Parse(IdB), s.Original);
        Assert.Equal(1000u, s.Uid);
        Assert.Equal(json, Encoding.UTF8.GetString(s.ToJson()));
    }

    [Fact]
    public void SnapshotLenientAndMinimal()
    {
        // Older restic wrote a trailing newline; keys in any case.
        var s = Snapshot.Parse(Utf8("{\"Time\":\"2015-02-13T08:53:59.1-12:00\",\"TREE\":\"" + IdA + "\",\"paths\":null,\"Tags\":[]}\n"));
        Assert.Null(s.Paths);
        Assert.Equal("{\"time\":\"2015-02-13T08:53:59.1-12:00\",\"tree\":\"" + IdA + "\",\"paths\":null}", Encoding.UTF8.GetString(s.ToJson()));
        Assert.Throws<InvalidDataException>(() => Snapshot.Parse(Utf8("{\"time\":\"x\"}")));
        Assert.Throws<InvalidDataException>(() => Snapshot.Parse(Utf8("{\"tree\":\"00\"}")));
    }

    [Fact]
    public void SnapshotWrittenFromScratchMatchesSpecExample()
    {
        var s = new Snapshot
        {
            Time = GoTime.Parse("2026-11-27T02:11:38.988588253+05:30"),
            Parent = Id.Parse("a3696ac5a38d04f28e070743d148cbf2bf0ea1ad05cabc3120bd5fc069109ea7"),
            Tree = Id.Parse("5be64ef2ede92f7bc50bfc3d75242d4c5c615922af553ad140bb20ea0f19a2eb"),
            Paths = ["/tmp/work/fxsrc"], Hostname = "fixturehost", Username = "root", Excludes = ["*.tmp"], Tags = ["second"],
        };
        Assert.Equal("{\"time\":\"2026-11-27T02:11:38.988588253+05:30\",\"parent\":\"a3696ac5a38d04f28e070743d148cbf2bf0ea1ad05cabc3120bd5fc069109ea7\",\"tree\":\"5be64ef2ede92f7bc50bfc3d75242d4c5c615922af553ad140bb20ea0f19a2eb\",\"paths\":[\"/tmp/work/fxsrc\"],\"hostname\":\"fixturehost\",\"username\":\"root\",\"excludes\":[\"*.tmp\"],\"tags\":[\"second\"]}",
            Encoding.UTF8.GetString(s.ToJson()));
    }
}
