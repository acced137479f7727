using System.Text;
using Lifeboat.Engine.Model;

namespace Lifeboat.Engine.Tests.Model;

/// <summary>
/// Tree.IsCanonical lets a backup reuse a parent tree's ID for nodes that write the same JSON: it must be true only
/// when ToJson gives the parsed bytes back exactly.
/// </summary>
public class CanonicalTreeTests
{
    private const string IdA = "75ecc33bdd08b6ba7223e192f530ffc23af081199a11403adbc455e62fa5ae73";
    private const string IdB = "a1fce4363854ff888cff4b8e7875d600c2682390412a8cf79b37d0b11148b0fa";

    private static Node File(string name) => new()
    {
        Name = name, Type = NodeType.File, Mode = 0x1a4, ModTime = GoTime.Parse("2026-01-02T03:04:05.123456789+01:00"),
        AccessTime = GoTime.Parse("2026-01-02T03:04:05.123456789+01:00"), ChangeTime = GoTime.Parse("2026-01-02T03:04:06Z"),
        Uid = 1000, Gid = 100, User = "me", Group = "users", Inode = 42, DeviceId = 2049, Size = 7, Links = 1,
        Content = [Id.Parse(IdA), Id.Parse(IdB)],
    };

    private static Tree Sample() => new([
        File("a file"),
        File("caf\u00e9 \U0001F600"),
        new Node { Name = "dir", Type = NodeType.Dir, Mode = 0x800001ed, Subtree = Id.Parse(IdB), Content = null },
        new Node { Name = "link", Type = NodeType.Symlink, Mode = 0x80001ff, LinkTarget = "../a file", Links = 1 },
        new Node { Name = "empty", Type = NodeType.File, Content = [] },
    ]);

    [Fact]
    public void WhatToJsonWritesIsCanonical()
    {
        var json = Sample().ToJson();
        var parsed = Tree.Parse(json);
        Assert.True(parsed.IsCanonical);
        Assert.Equal(json, parsed.ToJson());
        Assert.True(Tree.Parse(new Tree().ToJson()).IsCanonical);
    }

    [Theory]
    [MemberData(nameof(FixtureManifests))]
    public void CanonicalFixtureTreesWriteTheirBytesBack(string manifest)
    {
        int canonical = 0;
        foreach (var blob in ReferenceFixtures.TreeBlobs(manifest))
        {
            var tree = Tree.Parse(blob.Json);
            if (!tree.IsCanonical) continue;
            canonical++;
            Assert.Equal(blob.Json, tree.ToJson());
        }
        Assert.True(canonical > 0, "no restic 0.14 tree was found canonical");
    }

    public static TheoryData<string> FixtureManifests => new(ReferenceFixtures.Manifests);

    public static TheoryData<string, string> Variants => new()
    {
        { "space after a colon", "\"type\": \"file\"" },
        { "upper-case key", "\"Type\":\"file\"" },
        { "escaped key", "\"typ\\u0065\":\"file\"" },
        { "key order", "SWAP" },
        { "escaped slash in a name", "\"name\":\"a\\/b\"" },
        { "escaped letter in a name", "\"name\":\"\\u0061 file\"" },
        { "+00:00 for Z", "\"ctime\":\"2026-01-02T03:04:06+00:00\"" },
        { "trailing fraction zeros", "\"ctime\":\"2026-01-02T03:04:06.500Z\"" },
        { "upper-case ID", "\"content\":[\"" + IdA.ToUpperInvariant() + "\",\"" + IdB + "\"]" },
        { "zero written where Go omits it", "\"inode\":0" },
        { "null string", "\"user\":null" },
        { "empty string written where Go omits it", "\"user\":\"\"" },
        { "unknown member", "\"user\":\"me\",\"x\":1" },
        { "attribute list", "\"links\":1,\"extended_attributes\":[]" },
        { "unsorted nodes", "UNSORT" },
        { "extra top-level member", "TOPLEVEL" },
        { "no trailing newline", "NONEWLINE" },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void ABlobToJsonWouldNotReproduceIsNotCanonical(string what, string replacement)
    {
        var json = Encoding.UTF8.GetString(new Tree([File("a file"), File("b")]).ToJson());
        string variant = replacement switch
        {
            "SWAP" => json.Replace("\"uid\":1000,\"gid\":100", "\"gid\":100,\"uid\":1000"),
            "UNSORT" => SwapNodes(json),
            "TOPLEVEL" => json.Replace("]}\n", "],\"x\":1}\n"),
            "NONEWLINE" => json.TrimEnd('\n'),
            _ => ReplaceFirstMember(json, replacement),
        };
        Assert.NotEqual(json, variant);
        var tree = Tree.Parse(Encoding.UTF8.GetBytes(variant));
        Assert.NotEqual(variant, Encoding.UTF8.GetString(tree.ToJson())); // the flag is needed for this one
        Assert.False(Tree.Parse(Encoding.UTF8.GetBytes(variant)).IsCanonical, what);
    }

    // Replaces the first node's member with the replacement's key (type for the key variants) by the replacement.
    private static string ReplaceFirstMember(string json, string replacement)
    {
        string key = replacement[..(replacement.IndexOf(':') + 1)];
        if (key.Contains("\\u0065") || key.Contains("Type")) key = "\"type\":";
        int at = json.IndexOf(key, StringComparison.Ordinal);
        if (at < 0) throw new InvalidOperationException(key);
        int end = json.IndexOfAny([',', '}'], json[at + key.Length] == '[' ? json.IndexOf(']', at) : json[at + key.Length] == '"' ? json.IndexOf('"', at + key.Length + 1) : at + key.Length);
        return json[..at] + replacement + json[end..];
    }

    private static string SwapNodes(string json)
    {
        int second = json.IndexOf(",{\"name\":\"b\"", StringComparison.Ordinal);
        string first = json[10..second], other = json[(second + 1)..^3];
        return "{\"nodes\":[" + other + "," + first + "]}\n";
    }

    [Fact]
    public void NodesWriteTheSameJsonOnlyWhenEveryWrittenMemberIsEqual()
    {
        var a = File("x");
        Assert.True(Node.WritesSameJson(a, File("x")));
        var changes = new Action<Node>[]
        {
            n => n.Name = "y", n => n.Type = NodeType.Dir, n => n.Mode = 0x1ff, n => n.ModTime = GoTime.Parse("2026-01-02T03:04:05.123456788+01:00"),
            n => n.ModTime = GoTime.Parse("2026-01-02T02:04:05.123456789Z"), // same instant, other offset: other text
            n => n.AccessTime = GoTime.Zero, n => n.ChangeTime = GoTime.Zero, n => n.Uid = 0, n => n.Gid = 0, n => n.User = null,
            n => n.Group = "other", n => n.Inode = 43, n => n.DeviceId = 1, n => n.Size = 8, n => n.Links = 2,
            n => n.LinkTarget = "t", n => n.Device = 5, n => n.Content = [Id.Parse(IdB), Id.Parse(IdA)], n => n.Content = null,
            n => n.Content = [], n => n.Subtree = Id.Parse(IdA), n => n.Error = "e",
            n => n.ExtendedAttributes = [new ExtendedAttribute("user.a", [1])],
        };
        foreach (var change in changes)
        {
            var b = File("x");
            change(b);
            Assert.NotEqual(a.ToJson(), b.ToJson());
            Assert.False(Node.WritesSameJson(a, b));
            Assert.False(Node.WritesSameJson(b, a));
        }
        // null and "" are both left out
        var c = File("x");
        c.LinkTarget = "";
        Assert.Equal(a.ToJson(), c.ToJson());
        Assert.True(Node.WritesSameJson(a, c));
    }
}
