using Lifeboat.Engine.Repository;

namespace Lifeboat.Fuzz.Tests;

/// <summary>An index file's JSON as a hostile repository may hold it, once decrypted.</summary>
public sealed class IndexParserTests(ITestOutputHelper output)
{
    private readonly ParserProperty _property = new(output, "index") { AllocationPerInputByte = 128 };

    private static void Parse(byte[] json) => IndexFile.Parse(json, "index-under-test");

    [Fact]
    public void RandomBytes_AreRefusedClearly() =>
        _property.Holds("random bytes", HostileBytes.Random(), 5_000, Parse, e => e is RepositoryException);

    [Fact]
    public void RandomJsonText_IsDecodedOrRefusedClearly() =>
        _property.Holds("random JSON-like text", HostileBytes.RandomText(HostileBytes.JsonAlphabet), 5_000, Parse, e => e is RepositoryException);

    [Fact]
    public void MutatedIndexes_AreDecodedOrRefusedClearly() =>
        _property.Holds("mutated valid indexes", HostileBytes.MutatedText(Seeds.Indexes), 5_000, Parse, e => e is RepositoryException);

    [Fact]
    public void ValidIndexes_RoundTrip() =>
        _property.Holds("valid indexes", HostileBytes.OneOf(Seeds.Indexes), 200, json =>
        {
            var index = IndexFile.Parse(json, "index-under-test");
            if (!index.IsOldFormat) Assert.Equal(json, index.ToJson());
            else Assert.NotEmpty(index.Packs);
        }, _ => false);
}
