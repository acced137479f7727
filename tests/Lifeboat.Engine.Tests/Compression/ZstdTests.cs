using System.Text;
using Lifeboat.Engine.Compression;

namespace Lifeboat.Engine.Tests.Compression;

public class ZstdTests
{
    internal static byte[] TextData(int length)
    {
        var builder = new StringBuilder();
        var random = new Random(7);
        string[] words = ["backup", "restic", "snapshot", "tree", "blob", "pack", "index", "lifeboat", "chunk", "the", "a", "of", "and"];
        while (builder.Length < length) builder.Append(words[random.Next(words.Length)]).Append(random.Next(10) == 0 ? ".\n" : " ");
        return Encoding.ASCII.GetBytes(builder.ToString(0, length));
    }

    internal static byte[] RandomData(int length, int seed = 11)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static IEnumerable<ZstdBackend> Backends() =>
        Zstd.NativeBackend is { } native ? [native, Zstd.ManagedBackend] : [Zstd.ManagedBackend];

    private static byte[] Compress(ZstdBackend backend, byte[] data, int level = Zstd.DefaultLevel)
    {
        var frame = new byte[Zstd.CompressBound(data.Length)];
        int length = backend.Compress(data, frame, level);
        return frame[..length];
    }

    [Fact]
    public void NativeLibraryIsUsedOnThisMachine() =>
        Assert.True(Zstd.IsNative, "libzstd.so.1 is installed here, so the native path should load");

    [Fact]
    public void EachBackendDecodesTheOthersFrames()
    {
        foreach (byte[] data in new[] { [], [0x42], TextData(100_000), RandomData(300_000), TextData(3 * 1024 * 1024) })
        {
            foreach (var writer in Backends())
            foreach (var reader in Backends())
            foreach (int level in new[] { Zstd.DefaultLevel, Zstd.MaxLevel })
            {
                if (level == Zstd.MaxLevel && data.Length > 200_000) continue; // level 19 is slow; small inputs show the frame is standard
                byte[] frame = Compress(writer, data, level);
                var decoded = new byte[data.Length];
                Assert.Equal(data.Length, reader.Decompress(frame, decoded));
                Assert.Equal(data, decoded);
                Assert.Equal(data, reader.Decompress(frame, 1L << 30));
            }
        }
    }

    [Fact]
    public void FramesLookLikeRestics()
    {
        foreach (var backend in Backends())
        {
            // A 1-byte input becomes a 10-byte single-segment frame with content size and no checksum (restic: 42-byte blob).
            byte[] tiny = Compress(backend, [0x41]);
            Assert.Equal(10, tiny.Length);
            Assert.Equal(new byte[] { 0x28, 0xb5, 0x2f, 0xfd }, tiny[..4]);
            Assert.Equal(0, tiny[4] & 0x04); // no checksum flag

            // A large input: content size present, no checksum, window descriptor 0x48 = 512 KiB.
            byte[] big = Compress(backend, TextData(2 * 1024 * 1024));
            Assert.Equal(0x80, big[4]); // FHD: 4-byte content size, not single segment, no checksum
            Assert.Equal(0x48, big[5]);
        }
    }

    [Fact]
    public void DecompressUnknownSizeHandlesConcatenatedFramesAndMissingContentSize()
    {
        byte[] a = TextData(70_000), b = RandomData(5000);
        foreach (var backend in Backends())
        {
            byte[] both = [.. Compress(backend, a), .. Compress(backend, b)];
            Assert.Equal([.. a, .. b], backend.Decompress(both, 1L << 20));
        }
        // A frame without content size, written by ZstdSharp's streaming encoder.
        byte[] streamed;
        using (var memory = new MemoryStream())
        {
            using (var compressor = new ZstdSharp.CompressionStream(memory, 3)) compressor.Write(a);
            streamed = memory.ToArray();
        }
        foreach (var backend in Backends()) Assert.Equal(a, backend.Decompress(streamed, 1L << 20));
    }

    [Fact]
    public void RejectsCorruptTruncatedAndOversizedInput()
    {
        byte[] data = TextData(50_000);
        foreach (var backend in Backends())
        {
            byte[] frame = Compress(backend, data);
            Assert.Throws<InvalidDataException>(() => backend.Decompress(frame, new byte[data.Length - 1]));
            Assert.Throws<InvalidDataException>(() => backend.Decompress(frame, new byte[data.Length + 1]));
            Assert.Throws<InvalidDataException>(() => backend.Decompress(frame[..^5], 1L << 20));
            Assert.Throws<InvalidDataException>(() => backend.Decompress(frame[..^5], new byte[data.Length]));
            Assert.Throws<InvalidDataException>(() => backend.Decompress(frame, data.Length - 1));
            Assert.Equal(data, backend.Decompress(frame, data.Length));
            Assert.Throws<InvalidDataException>(() => backend.Decompress([1, 2, 3, 4, 5, 6, 7, 8], 1000));
            Assert.Throws<InvalidDataException>(() => backend.Decompress(ReadOnlySpan<byte>.Empty, 1000));
            // still usable after errors
            Assert.Equal(data, backend.Decompress(frame, 1L << 20));
        }
    }

    [Fact]
    public void ConcurrentUseIsSafe()
    {
        Parallel.For(0, 32, i =>
        {
            byte[] data = i % 2 == 0 ? TextData(10_000 + i * 1000) : RandomData(10_000 + i * 1000, i);
            byte[] frame = new byte[Zstd.CompressBound(data.Length)];
            int length = Zstd.Compress(data, frame);
            Assert.Equal(data, Zstd.Decompress(frame.AsSpan(0, length), data.Length));
        });
    }

    [Fact]
    public void CompressBoundMatchesLibzstd()
    {
        Assert.Equal(64, Zstd.CompressBound(0));
        Assert.Equal(131072 + 512, Zstd.CompressBound(131072));
        Assert.Equal(1 + 0 + ((131072 - 1) >> 11), Zstd.CompressBound(1));
    }
}
