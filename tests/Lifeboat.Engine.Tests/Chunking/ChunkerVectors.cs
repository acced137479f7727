using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Lifeboat.Engine.Tests.Chunking;

/// <summary>Loads fixtures/chunker-vectors.txt (copied from the shared reference) and builds each vector's input data.</summary>
internal static class ChunkerVectors
{
    public sealed record ExpectedChunk(long Start, long Length, ulong Cut, string Sha256);

    private static readonly Lazy<byte[]> GoRandom = new(() => BuildGoRandom(32 * 1024 * 1024));
    private static readonly Lazy<Dictionary<string, List<ExpectedChunk>>> Vectors = new(Load);

    public static string FixtureDirectory([CallerFilePath] string sourceFile = "") => Path.Combine(Path.GetDirectoryName(sourceFile)!, "Fixtures");

    public static List<ExpectedChunk> Get(string name) => Vectors.Value[name];

    /// <summary>32 MiB from Go's math/rand seeded with 23, each Uint32 little-endian (restic/chunker's getRandom).</summary>
    public static byte[] GoRandom32MiB => GoRandom.Value;

    public static byte[] ShaCounter(int length)
    {
        var data = new byte[length];
        Span<byte> counter = stackalloc byte[8];
        Span<byte> hash = stackalloc byte[32];
        for (long i = 0, at = 0; at < length; i++, at += 32)
        {
            BinaryPrimitives.WriteInt64LittleEndian(counter, i);
            SHA256.HashData(counter, hash);
            hash[..(int)Math.Min(32, length - at)].CopyTo(data.AsSpan((int)at));
        }
        return data;
    }

    private static byte[] BuildGoRandom(int length)
    {
        // Go's additive lagged Fibonacci generator, restarted from the state dumped right after Seed(23).
        var state = File.ReadLines(Path.Combine(FixtureDirectory(), "gorand-seed23-state.txt"))
            .Where(line => !line.StartsWith('#') && line.Length > 0)
            .Select(line => (ulong)long.Parse(line, CultureInfo.InvariantCulture))
            .ToArray();
        if (state.Length != 607) throw new InvalidDataException("expected 607 state words");
        int tap = 0, feed = 334;
        var data = new byte[length];
        for (int at = 0; at < length; at += 4)
        {
            if (--tap < 0) tap += 607;
            if (--feed < 0) feed += 607;
            ulong x = state[feed] + state[tap];
            state[feed] = x;
            BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(at), (uint)((x & long.MaxValue) >> 31));
        }
        return data;
    }

    private static Dictionary<string, List<ExpectedChunk>> Load()
    {
        var result = new Dictionary<string, List<ExpectedChunk>>();
        List<ExpectedChunk>? current = null;
        foreach (string line in File.ReadLines(Path.Combine(FixtureDirectory(), "chunker-vectors.txt")))
        {
            if (line.StartsWith("## vector ", StringComparison.Ordinal))
            {
                string name = line["## vector ".Length..].Split(':')[0];
                result[name] = current = [];
            }
            else if (!line.StartsWith('#') && line.Length > 0 && current is not null)
            {
                string[] f = line.Split(' ');
                current.Add(new ExpectedChunk(long.Parse(f[0], CultureInfo.InvariantCulture), long.Parse(f[1], CultureInfo.InvariantCulture),
                    Convert.ToUInt64(f[2], 16), f[3]));
            }
        }
        return result;
    }
}
