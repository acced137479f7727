using Lifeboat.Engine;
using Lifeboat.Engine.Repository;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Fuzz.Tests;

/// <summary>A snapshot file's JSON as a hostile repository may hold it, once decrypted.</summary>
public sealed class SnapshotParserTests(ITestOutputHelper output)
{
    private static readonly Id SnapshotId = Id.Hash("snapshot"u8);
    private readonly ParserProperty _property = new(output, "snapshot") { AllocationPerInputByte = 128 };

    private static void Parse(byte[] json) => Repo.DecodeSnapshot(json, SnapshotId);

    [Fact]
    public void RandomBytes_AreRefusedClearly() =>
        _property.Holds("random bytes", HostileBytes.Random(), 5_000, Parse, e => e is RepositoryException);

    [Fact]
    public void RandomJsonText_IsDecodedOrRefusedClearly() =>
        _property.Holds("random JSON-like text", HostileBytes.RandomText(HostileBytes.JsonAlphabet), 5_000, Parse, e => e is RepositoryException);

    [Fact]
    public void MutatedSnapshots_AreDecodedOrRefusedClearly() =>
        _property.Holds("mutated valid snapshots", HostileBytes.MutatedText(Seeds.Snapshots), 5_000, Parse, e => e is RepositoryException);

    [Fact]
    public void ValidSnapshots_RoundTrip() =>
        _property.Holds("valid snapshots", HostileBytes.OneOf(Seeds.Snapshots), 200, json => Assert.Equal(json, Repo.DecodeSnapshot(json, SnapshotId).ToJson()), _ => false);
}
