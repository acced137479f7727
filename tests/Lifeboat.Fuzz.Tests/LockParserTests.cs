using Lifeboat.Engine.Repository;

namespace Lifeboat.Fuzz.Tests;

/// <summary>A lock file's JSON as a hostile repository (or another host) may hold it, once decrypted.</summary>
public sealed class LockParserTests(ITestOutputHelper output)
{
    private readonly ParserProperty _property = new(output, "lock");

    private static void Parse(byte[] json) => LockInfo.Parse(json);

    [Fact]
    public void RandomBytes_AreRefusedClearly() =>
        _property.Holds("random bytes", HostileBytes.Random(), 5_000, Parse, e => e is RepositoryException);

    [Fact]
    public void RandomJsonText_IsDecodedOrRefusedClearly() =>
        _property.Holds("random JSON-like text", HostileBytes.RandomText(HostileBytes.JsonAlphabet), 5_000, Parse, e => e is RepositoryException);

    [Fact]
    public void MutatedLocks_AreDecodedOrRefusedClearly() =>
        _property.Holds("mutated valid locks", HostileBytes.MutatedText(Seeds.Locks), 5_000, Parse, e => e is RepositoryException);

    [Fact]
    public void ValidLocks_RoundTrip() =>
        _property.Holds("valid locks", HostileBytes.OneOf(Seeds.Locks), 200, json => Assert.Equal(json, LockInfo.Parse(json).ToJson()), _ => false);
}
