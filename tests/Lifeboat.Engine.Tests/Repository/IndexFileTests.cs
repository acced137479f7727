using System.Text;
using System.Text.Json;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Tests.Model;

namespace Lifeboat.Engine.Tests.Repository;

/// <summary>
/// An index file's JSON as restic 0.14 writes and reads it: round trips byte for byte, keeps what it lists, accepts what
/// restic accepts (the old array format, any key case, unknown fields, null lists) and refuses damage with an error that
/// names the file.
/// </summary>
public class IndexFileTests
{
    private static readonly Id PackA = Id.Hash("pack a"u8), PackB = Id.Hash("pack b"u8);
    private static readonly Id BlobX = Id.Hash("blob x"u8), BlobY = Id.Hash("blob y"u8), BlobZ = Id.Hash("blob z"u8);

    private static IndexFile Parse(string json) => IndexFile.Parse(Encoding.UTF8.GetBytes(json), "0123abcd");

    public static TheoryData<string, string> FixtureIndexFiles()
    {
        var data = new TheoryData<string, string>();
        foreach (var manifest in ReferenceFixtures.Manifests)
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(ReferenceFixtures.GeneratedManifest(manifest)));
            foreach (var file in doc.RootElement.GetProperty("index_files").EnumerateObject())
                data.Add(file.Name, file.Value.GetProperty("json").GetString()!);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(FixtureIndexFiles))]
    public void ResticsIndexFiles_RoundTripByteForByte(string name, string json)
    {
        var index = IndexFile.Parse(Encoding.UTF8.GetBytes(json), name);
        Assert.False(index.IsOldFormat);
        Assert.NotEmpty(index.Packs);
        Assert.Equal(json, Encoding.UTF8.GetString(index.ToJson()));
    }

    [Theory]
    [MemberData(nameof(FixtureIndexFiles))]
    public void ResticsIndexFiles_ListWhatTheirJsonSays(string name, string json)
    {
        var index = IndexFile.Parse(Encoding.UTF8.GetBytes(json), name);
        using var doc = JsonDocument.Parse(json);
        var packs = doc.RootElement.GetProperty("packs").EnumerateArray().ToList();
        Assert.Equal(packs.Count, index.Packs.Count);
        for (int p = 0; p < packs.Count; p++)
        {
            Assert.Equal(Id.Parse(packs[p].GetProperty("id").GetString()!), index.Packs[p].PackId);
            var blobs = packs[p].GetProperty("blobs").EnumerateArray().ToList();
            Assert.Equal(blobs.Count, index.Packs[p].Blobs.Count);
            for (int b = 0; b < blobs.Count; b++)
            {
                var e = blobs[b];
                var expected = new PackedBlob(Id.Parse(e.GetProperty("id").GetString()!),
                    e.GetProperty("type").GetString() == "tree" ? BlobType.Tree : BlobType.Data,
                    e.GetProperty("offset").GetUInt32(), e.GetProperty("length").GetUInt32(),
                    e.TryGetProperty("uncompressed_length", out var u) ? u.GetUInt32() : 0);
                Assert.Equal(expected, index.Packs[p].Blobs[b]);
            }
        }
        Assert.Equal(index.Packs.Sum(p => p.Blobs.Count), index.BlobCount);
    }

    [Fact]
    public void Written_IsResticsCompactJson_WithSupersedesFirst_AndOmitsWhatResticOmits()
    {
        var index = new IndexFile();
        index.Supersedes.Add(PackB);
        index.Packs.Add((PackA, [new PackedBlob(BlobX, BlobType.Data, 0, 100, 0), new PackedBlob(BlobY, BlobType.Tree, 100, 60, 200)]));

        var expected = $$"""
            {"supersedes":["{{PackB}}"],"packs":[{"id":"{{PackA}}","blobs":[{"id":"{{BlobX}}","type":"data","offset":0,"length":100},{"id":"{{BlobY}}","type":"tree","offset":100,"length":60,"uncompressed_length":200}]}]}

            """.Replace("\r", "");
        Assert.Equal(expected, Encoding.UTF8.GetString(index.ToJson()));

        var back = IndexFile.Parse(index.ToJson(), "x");
        Assert.Equal([PackB], back.Supersedes);
        Assert.Equal(index.Packs[0].Blobs, back.Packs[0].Blobs);
    }

    [Fact]
    public void Written_WithoutSupersedes_LeavesTheFieldOut()
    {
        var index = new IndexFile();
        Assert.Equal("{\"packs\":[]}\n", Encoding.UTF8.GetString(index.ToJson()));
    }

    [Fact]
    public void OldFormat_TopLevelArrayOfPacks_IsReadAndMarked()
    {
        var index = Parse($$"""[{"id":"{{PackA}}","blobs":[{"id":"{{BlobX}}","type":"data","offset":0,"length":42}]}]""");
        Assert.True(index.IsOldFormat);
        Assert.Empty(index.Supersedes);
        var (pack, blobs) = Assert.Single(index.Packs);
        Assert.Equal(PackA, pack);
        Assert.Equal(new PackedBlob(BlobX, BlobType.Data, 0, 42, 0), Assert.Single(blobs));
    }

    [Fact]
    public void Reading_AcceptsAnyKeyCase_UnknownFields_NullLists_AndWhitespace()
    {
        // Go's encoding/json matches keys case-insensitively and skips unknown ones.
        var index = Parse($$"""
            {
              "Supersedes": null,
              "extra": {"nested": [1, 2, {"x": null}]},
              "PACKS": [
                {"ID": "{{PackA}}", "Blobs": [
                  {"Type": "tree", "Offset": 7, "LENGTH": 40, "Id": "{{BlobX}}", "Uncompressed_Length": 99, "unknown": true}
                ]},
                {"id": "{{PackB}}", "blobs": null}
              ]
            }
            """);
        Assert.Empty(index.Supersedes);
        Assert.Equal([PackA, PackB], index.Packs.Select(p => p.PackId));
        Assert.Equal(new PackedBlob(BlobX, BlobType.Tree, 7, 40, 99), Assert.Single(index.Packs[0].Blobs));
        Assert.Empty(index.Packs[1].Blobs);
    }

    [Fact]
    public void Reading_WithAPackHandler_HandsOverEachPackInsteadOfKeepingIt()
    {
        var json = $$"""{"supersedes":["{{PackB}}"],"packs":[{"id":"{{PackA}}","blobs":[{"id":"{{BlobX}}","type":"data","offset":0,"length":42}]},{"id":"{{PackB}}","blobs":[{"id":"{{BlobY}}","type":"data","offset":0,"length":43},{"id":"{{BlobZ}}","type":"tree","offset":43,"length":44}]}]}""";
        var handed = new List<(Id, List<PackedBlob>)>();
        var index = IndexFile.Parse(Encoding.UTF8.GetBytes(json), "x", (pack, blobs) => handed.Add((pack, blobs)));
        Assert.Empty(index.Packs);
        Assert.Equal([PackB], index.Supersedes);
        Assert.Equal([PackA, PackB], handed.Select(h => h.Item1));
        Assert.Equal([BlobY, BlobZ], handed[1].Item2.Select(b => b.Id));
    }

    public static TheoryData<string, string> Damaged => new()
    {
        { "", "" },
        { "{\"packs\":[{\"id\":\"", "" },
        { "42", "want an object or an array" },
        { "{\"packs\":{}}", "want StartArray" },
        { $$"""{"packs":[{"blobs":[]}]}""", "a pack has no id" },
        { $$"""{"packs":[{"id":"{{PackA}}","blobs":[{"type":"data","offset":0,"length":1}]}]}""", "a blob lacks its id or type" },
        { $$"""{"packs":[{"id":"{{PackA}}","blobs":[{"id":"{{BlobX}}","offset":0,"length":1}]}]}""", "a blob lacks its id or type" },
        { $$"""{"packs":[{"id":"{{PackA}}","blobs":[{"id":"{{BlobX}}","type":"file","offset":0,"length":1}]}]}""", "unknown blob type \"file\"" },
        { $$"""{"packs":[{"id":"not hex","blobs":[]}]}""", "invalid ID \"not hex\"" },
        { $$"""{"packs":[{"id":"{{PackA}}","blobs":[{"id":"{{BlobX}}","type":"data","offset":-1,"length":1}]}]}""", "" },
        { $$"""{"packs":[{"id":"{{PackA}}","blobs":[{"id":"{{BlobX}}","type":"data","offset":"0","length":1}]}]}""", "" },
        { $$"""{"packs":[{"id":"{{PackA}}","blobs":[]},]}""", "" },
    };

    [Theory]
    [MemberData(nameof(Damaged))]
    public void Damaged_IsRefusedAsDamaged_NamingTheFile(string json, string why)
    {
        var e = Assert.Throws<RepositoryException>(() => Parse(json));
        Assert.Equal(RepositoryErrorKind.Damaged, e.Kind);
        Assert.StartsWith("index 0123abcd cannot be decoded: ", e.Message);
        Assert.Contains(why, e.Message);
    }
}
