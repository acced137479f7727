using CsCheck;
using Lifeboat.Engine;
using Lifeboat.Engine.Compression;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Fuzz.Tests;

/// <summary>
/// Snapshot, index and lock files as the repository reads them: a file whose name is the hash of its bytes (anyone can
/// write one), decrypted (a forged MAC must be named), then in a v2 repository decompressed (a crafted zstd frame, with
/// a stolen key) and parsed. Every path ends in a value or a Damaged error naming the file.
/// </summary>
public sealed class UnpackedFileTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly ParserProperty _stored = new(output, "snapshot/index/lock file (as stored)");
    private readonly ParserProperty _plain = new(output, "snapshot/index/lock file (v2 plaintext after decryption)");
    private readonly MemoryBackend _backend = new();
    private Repo _repository = null!;

    public async ValueTask InitializeAsync() =>
        _repository = await Repo.InitAsync(_backend, "pw", 2, new RepositoryOptions(), (1024, 8, 1), cancellationToken: TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync() => await _repository.DisposeAsync();

    private static bool IsDamaged(Exception e) => e is RepositoryException { Kind: RepositoryErrorKind.Damaged };

    private static readonly FileType[] Types = [FileType.Snapshot, FileType.Index, FileType.Lock];

    /// <summary>Stores the bytes as a file of the type under their hash, and reads it back as the engine does.</summary>
    private void Load(FileType type, byte[] stored)
    {
        var id = Id.Hash(stored);
        _backend.SaveAsync(type, id.ToString(), stored, CancellationToken.None).GetAwaiter().GetResult();
        try
        {
            switch (type)
            {
                case FileType.Snapshot:
                    Repo.DecodeSnapshot(_repository.LoadUnpackedAsync(type, id, CancellationToken.None).GetAwaiter().GetResult(), id);
                    break;
                case FileType.Index:
                    _repository.LoadIndexFileAsync(id, json => IndexFile.Parse(json, id.ToString()), CancellationToken.None).GetAwaiter().GetResult();
                    break;
                default:
                    LockInfo.Parse(_repository.LoadUnpackedAsync(type, id, CancellationToken.None).GetAwaiter().GetResult());
                    break;
            }
        }
        finally
        {
            _backend.DeleteAsync(type, id.ToString(), CancellationToken.None).GetAwaiter().GetResult();
        }
    }

    private byte[] Seal(byte[] plain) => _repository.Key.Seal(plain);

    private static byte[] Compressed(byte[] plain)
    {
        var buffer = new byte[1 + Zstd.CompressBound(plain.Length)];
        buffer[0] = 2;
        return buffer[..(1 + Zstd.Compress(plain, buffer.AsSpan(1)))];
    }

    [Fact]
    public void RandomStoredBytes_AreNamedAsNotDecrypting() =>
        _stored.Holds("random bytes", Gen.Select(HostileBytes.Random(), Gen.Int[0, 2]), 3_000, i => i.Item1, i =>
        {
            var e = Assert.Throws<RepositoryException>(() => Load(Types[i.Item2], i.Item1));
            Assert.Contains("does not decrypt", e.Message);
            throw e;
        }, IsDamaged);

    [Fact]
    public void RandomPlaintext_IsDecodedOrRefusedClearly() =>
        _plain.Holds("random plaintext", Gen.Select(HostileBytes.Random(), Gen.Int[0, 2]), 3_000, i => i.Item1,
            i => Load(Types[i.Item2], Seal(i.Item1)), IsDamaged);

    [Fact]
    public void MutatedCompressedFiles_AreDecodedOrRefusedClearly()
    {
        var seeds = new List<byte[]>();
        foreach (var s in Seeds.Snapshots) seeds.Add(Compressed(s));
        int snapshots = seeds.Count;
        foreach (var s in Seeds.Indexes) seeds.Add(Compressed(s));
        int indexes = seeds.Count;
        foreach (var s in Seeds.Locks) seeds.Add(Compressed(s));
        _plain.Holds("mutated compressed files", Gen.Select(Gen.Int[0, seeds.Count - 1], Gen.ULong).Select((i, seed) =>
            {
                var random = new Random((int)seed);
                return (Type: i < snapshots ? FileType.Snapshot : i < indexes ? FileType.Index : FileType.Lock,
                    Plain: HostileBytes.MutateBytes(seeds[i], random));
            }), 3_000, i => i.Plain, i => Load(i.Type, Seal(i.Plain)), IsDamaged);
    }

    [Fact]
    public void CompressedFiles_RoundTrip() =>
        _plain.Holds("valid compressed files", HostileBytes.OneOf(Seeds.Snapshots), 200, json => Load(FileType.Snapshot, Seal(Compressed(json))), _ => false);
}
