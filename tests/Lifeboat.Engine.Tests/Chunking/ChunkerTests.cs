using System.Security.Cryptography;
using Lifeboat.Engine.Chunking;

namespace Lifeboat.Engine.Tests.Chunking;

public class ChunkerTests
{
    private static readonly Polynomial TestPolynomial = new(0x3DA3358B4DC173);

    /// <summary>Chunks data fed in pieces of <paramref name="pieceSize"/>; returns (start, length, cut) per chunk, last one with the EOF digest.</summary>
    internal static List<(long Start, long Length, ulong Cut)> Split(Chunker chunker, ReadOnlySpan<byte> data, int pieceSize)
    {
        var chunks = new List<(long, long, ulong)>();
        chunker.Reset();
        long chunkStart = 0;
        for (int offset = 0; offset < data.Length; offset += pieceSize)
        {
            ReadOnlySpan<byte> piece = data.Slice(offset, Math.Min(pieceSize, data.Length - offset));
            long pieceStart = offset;
            while (!piece.IsEmpty)
            {
                int cut = chunker.FindBoundary(piece, out ulong fingerprint);
                if (cut < 0) break;
                long end = pieceStart + cut;
                chunks.Add((chunkStart, end - chunkStart, fingerprint));
                chunkStart = end;
                piece = piece[cut..];
                pieceStart = end;
            }
        }
        if (chunker.CurrentLength > 0) chunks.Add((chunkStart, chunker.CurrentLength, chunker.Digest));
        Assert.Equal(data.Length, chunkStart + (chunks.Count > 0 && chunks[^1].Item1 == chunkStart ? chunks[^1].Item2 : 0));
        return chunks;
    }

    private static void AssertMatches(string vector, byte[] data, int averageBits, int pieceSize)
    {
        var expected = ChunkerVectors.Get(vector);
        var actual = Split(new Chunker(TestPolynomial, averageBits), data, pieceSize);
        Assert.Equal(expected.Select(e => (e.Start, e.Length, e.Cut)), actual);
        foreach (var chunk in expected)
            Assert.Equal(chunk.Sha256, Convert.ToHexStringLower(SHA256.HashData(data.AsSpan((int)chunk.Start, (int)chunk.Length))));
    }

    [Fact]
    public void GoRandomDataIsReproduced()
    {
        byte[] data = ChunkerVectors.GoRandom32MiB;
        Assert.Equal("cf8ee5cf5154738c1a5ed738699bb40b", Convert.ToHexStringLower(data.AsSpan(0, 16)));
        Assert.Equal("529617b3a6df2372a77f656f14a5baaf997dc03c1fc458d196f933fed0a46573", Convert.ToHexStringLower(SHA256.HashData(data)));
    }

    [Fact] public void Chunks1() => AssertMatches("chunks1", ChunkerVectors.GoRandom32MiB, 20, int.MaxValue);
    [Fact] public void Chunks3() => AssertMatches("chunks3", ChunkerVectors.GoRandom32MiB, 19, int.MaxValue);
    [Fact] public void Zeros() => AssertMatches("zeros", new byte[4 * Chunker.MinSize], 20, int.MaxValue);
    [Fact] public void ConstA() => AssertMatches("constA", Enumerable.Repeat((byte)0x41, 20_000_000).ToArray(), 20, 1 << 20);

    [Fact]
    public void ShaCounter()
    {
        byte[] data = ChunkerVectors.ShaCounter(20983065);
        Assert.Equal("0eb8a74bfd225ea3a8eacd848b1f93ad25c720d312ba8416bb23b78155c0a89a", Convert.ToHexStringLower(SHA256.HashData(data)));
        AssertMatches("shactr", data, 20, 512 * 1024);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64 * 1024)]
    [InlineData(524_287)]
    public void PieceSizeDoesNotChangeCuts(int pieceSize)
    {
        // With 19 average bits a 6 MiB prefix of the Go random data has several cuts (the first at 1491586);
        // byte-at-a-time feeding is slow, so it gets a 2 MiB prefix with one cut.
        byte[] data = ChunkerVectors.GoRandom32MiB.AsSpan(0, pieceSize == 1 ? 2 * 1024 * 1024 : 6 * 1024 * 1024).ToArray();
        var whole = Split(new Chunker(TestPolynomial, 19), data, int.MaxValue);
        Assert.True(whole.Count > 1);
        Assert.Equal(whole, Split(new Chunker(TestPolynomial, 19), data, pieceSize));
    }

    [Fact]
    public void SmallAndEmptyInputs()
    {
        var chunker = new Chunker(TestPolynomial);
        Assert.Empty(Split(chunker, [], 100));
        Assert.Equal(-1, chunker.FindBoundary(new byte[1000], out _));
        Assert.Equal(1000, chunker.CurrentLength);
        chunker.Reset();
        Assert.Equal(0, chunker.CurrentLength);
        Assert.Single(Split(chunker, new byte[Chunker.MinSize - 1], 4096));
    }

    [Fact]
    public void RejectsPolynomialOfDegreeAbove53() =>
        Assert.Throws<ArgumentException>(() => new Chunker(new Polynomial(1UL << 54 | 1)));
}
