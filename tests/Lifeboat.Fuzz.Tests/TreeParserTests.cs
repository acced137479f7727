using Lifeboat.Engine;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Fuzz.Tests;

/// <summary>A tree blob as a hostile repository (or one written with a stolen key) may hold it, once decrypted.</summary>
public sealed class TreeParserTests(ITestOutputHelper output)
{
    private static readonly Id TreeId = Id.Hash("tree"u8);
    // a node is a few hundred bytes of objects for a few dozen bytes of JSON
    private readonly ParserProperty _property = new(output, "tree blob") { AllocationPerInputByte = 256 };

    private static void Parse(byte[] json) => Repo.DecodeTree(json, TreeId);

    [Fact]
    public void RandomBytes_AreRefusedClearly() =>
        _property.Holds("random bytes", HostileBytes.Random(), 5_000, Parse, e => e is RepositoryException);

    [Fact]
    public void RandomJsonText_IsDecodedOrRefusedClearly() =>
        _property.Holds("random JSON-like text", HostileBytes.RandomText(HostileBytes.JsonAlphabet), 5_000, Parse, e => e is RepositoryException);

    [Fact]
    public void MutatedTrees_AreDecodedOrRefusedClearly() =>
        _property.Holds("mutated valid trees", HostileBytes.MutatedText(Seeds.Trees), 5_000, Parse, e => e is RepositoryException);

    [Fact]
    public void ValidTrees_RoundTrip() =>
        _property.Holds("valid trees", HostileBytes.OneOf(Seeds.Trees), 200, json =>
        {
            var tree = Repo.DecodeTree(json, TreeId);
            if (tree.Nodes.Count > 0) Assert.Equal(json, tree.ToJson());
        }, _ => false);
}
