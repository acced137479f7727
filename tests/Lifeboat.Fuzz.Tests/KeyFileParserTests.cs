using Lifeboat.Engine.Repository;

namespace Lifeboat.Fuzz.Tests;

/// <summary>
/// A key file as a hostile repository may hold it (plain JSON, read before any password is tried), and the master key
/// JSON it seals (what a crafted key file holds once opened).
/// </summary>
public sealed class KeyFileParserTests(ITestOutputHelper output)
{
    private readonly ParserProperty _keyFile = new(output, "key file");
    private readonly ParserProperty _masterKey = new(output, "master key (sealed in a key file)");

    private static void Parse(byte[] json) => KeyFile.Parse(json, "key-under-test");
    private static void ParseMasterKey(byte[] json) => KeyFile.ParseMasterKey(json);

    [Fact]
    public void RandomBytes_AreRefusedClearly()
    {
        _keyFile.Holds("random bytes", HostileBytes.Random(), 5_000, Parse, e => e is RepositoryException);
        _masterKey.Holds("random bytes", HostileBytes.Random(), 5_000, ParseMasterKey, e => e is RepositoryException);
    }

    [Fact]
    public void RandomJsonText_IsDecodedOrRefusedClearly()
    {
        _keyFile.Holds("random JSON-like text", HostileBytes.RandomText(HostileBytes.JsonAlphabet), 5_000, Parse, e => e is RepositoryException);
        _masterKey.Holds("random JSON-like text", HostileBytes.RandomText(HostileBytes.JsonAlphabet), 5_000, ParseMasterKey, e => e is RepositoryException);
    }

    [Fact]
    public void MutatedKeyFiles_AreDecodedOrRefusedClearly()
    {
        _keyFile.Holds("mutated valid key files", HostileBytes.MutatedText(Seeds.KeyFiles), 5_000, Parse, e => e is RepositoryException);
        _masterKey.Holds("mutated valid master keys", HostileBytes.MutatedText(Seeds.MasterKeys), 5_000, ParseMasterKey, e => e is RepositoryException);
    }

    [Fact]
    public void ValidKeyFiles_RoundTrip()
    {
        _keyFile.Holds("valid key files", HostileBytes.OneOf(Seeds.KeyFiles), 200, json => Assert.Equal(json, KeyFile.Parse(json, "k").ToJson()), _ => false);
        _masterKey.Holds("valid master keys", HostileBytes.OneOf(Seeds.MasterKeys), 200,
            json => Assert.Equal(Seeds.MasterKey.EncryptionKey, KeyFile.ParseMasterKey(json).EncryptionKey), _ => false);
    }
}
