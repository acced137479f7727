using Lifeboat.Engine.Repository;

namespace Lifeboat.Fuzz.Tests;

/// <summary>The repository's config file as a hostile repository may hold it, once decrypted.</summary>
public sealed class ConfigParserTests(ITestOutputHelper output)
{
    private readonly ParserProperty _property = new(output, "config");

    private static void Parse(byte[] json) => RepositoryConfig.Parse(json);

    [Fact]
    public void RandomBytes_AreRefusedClearly() =>
        _property.Holds("random bytes", HostileBytes.Random(), 5_000, Parse, e => e is RepositoryException);

    [Fact]
    public void RandomJsonText_IsDecodedOrRefusedClearly() =>
        _property.Holds("random JSON-like text", HostileBytes.RandomText(HostileBytes.JsonAlphabet), 5_000, Parse, e => e is RepositoryException);

    [Fact]
    public void MutatedConfigs_AreDecodedOrRefusedClearly() =>
        _property.Holds("mutated valid configs", HostileBytes.MutatedText(Seeds.Configs), 5_000, Parse, e => e is RepositoryException);

    [Fact]
    public void ValidConfigs_RoundTrip() =>
        _property.Holds("valid configs", HostileBytes.OneOf(Seeds.Configs), 200, json => Assert.Equal(json, RepositoryConfig.Parse(json).ToJson()), _ => false);
}
