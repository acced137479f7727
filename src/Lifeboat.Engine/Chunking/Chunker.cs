using System.Runtime.CompilerServices;
using System.Collections.Concurrent;

namespace Lifeboat.Engine.Chunking;

/// <summary>
/// restic/chunker v0.4.0's content-defined chunker (Rabin fingerprint over a 64-byte window), giving byte-identical
/// cuts. One instance per file being chunked (not thread-safe); the per-polynomial tables are shared.
/// Feed a file's bytes in any pieces to <see cref="FindBoundary"/>; whatever is pending at EOF is the last chunk.
/// </summary>
public sealed class Chunker
{
    public const int MinSize = 512 * 1024, MaxSize = 8 * 1024 * 1024;
    private const int WindowSize = 64;
    // restic never hashes the first MinSize − 64 bytes of a chunk: no cut can fall there, and the window only needs the last 64.
    private const int SkippedPrefix = MinSize - WindowSize;

    private static readonly ConcurrentDictionary<ulong, Tables> TableCache = new();

    private readonly Tables _tables;
    private readonly ulong _splitMask;
    private readonly byte[] _window = new byte[WindowSize];
    private int _windowPosition;
    private ulong _digest;
    private long _count;

    public Chunker(Polynomial polynomial, int averageBits = 20)
    {
        int degree = polynomial.Degree;
        if (degree > 53 || degree < 9)
            throw new ArgumentException($"chunker polynomial {polynomial} has degree {degree}; it must be at most 53 (and restic always uses 53)", nameof(polynomial));
        if (averageBits < 1 || averageBits > 62) throw new ArgumentOutOfRangeException(nameof(averageBits));
        _tables = TableCache.GetOrAdd(polynomial.Value, static value => new Tables(value));
        _splitMask = (1UL << averageBits) - 1;
        Reset();
    }

    /// <summary>Bytes in the current, unfinished chunk.</summary>
    public long CurrentLength => _count;

    /// <summary>The current rolling digest; at EOF this is what restic reports as the last chunk's "cut".</summary>
    public ulong Digest => _digest;

    /// <summary>Begins a new chunk (and so a new file): zero window, then one 0x01 byte slid in, as restic's reset.</summary>
    public void Reset()
    {
        Array.Clear(_window);
        _windowPosition = 0;
        _digest = 0;
        Slide(1);
        _count = 0;
    }

    /// <summary>
    /// Continues the current chunk with <paramref name="data"/>. Returns the number of bytes of data that complete
    /// the current chunk (a cut right after them; a fresh chunk is begun), or −1 if all of data belongs to the current chunk.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int FindBoundary(ReadOnlySpan<byte> data, out ulong fingerprint)
    {
        int position = 0;
        if (_count < SkippedPrefix)
        {
            int skip = (int)Math.Min(SkippedPrefix - _count, data.Length);
            _count += skip;
            position = skip;
        }
        if (position == data.Length)
        {
            fingerprint = 0;
            return -1;
        }

        // Bytes hashed while the chunk is shorter than MinSize − 1 cannot end it; then every byte is tested until MaxSize.
        if (_count < MinSize - 1)
        {
            int warmup = (int)Math.Min(MinSize - 1 - _count, data.Length - position);
            HashOnly(data.Slice(position, warmup));
            _count += warmup;
            position += warmup;
            if (position == data.Length)
            {
                fingerprint = 0;
                return -1;
            }
        }

        int candidates = (int)Math.Min(MaxSize - _count, data.Length - position);
        int hit = HashUntilMatch(data.Slice(position, candidates));
        if (hit < 0)
        {
            _count += candidates;
            if (_count < MaxSize)
            {
                fingerprint = 0;
                return -1;
            }
            hit = candidates - 1; // MaxSize reached: cut after the last byte regardless of the digest
        }
        fingerprint = _digest;
        int consumed = position + hit + 1;
        Reset();
        return consumed;
    }

    private void Slide(byte value)
    {
        byte leaving = _window[_windowPosition];
        _window[_windowPosition] = value;
        _windowPosition = (_windowPosition + 1) & (WindowSize - 1);
        ulong digest = _digest ^ _tables.Out[leaving];
        int index = (int)(digest >> _tables.Shift);
        _digest = ((digest << 8) | value) ^ _tables.Mod[index];
    }

    private unsafe void HashOnly(ReadOnlySpan<byte> data)
    {
        ulong digest = _digest;
        int windowPosition = _windowPosition;
        int shift = _tables.Shift;
        fixed (byte* input = data)
        fixed (byte* window = _window)
        fixed (ulong* outTable = _tables.Out)
        fixed (ulong* modTable = _tables.Mod)
        {
            for (int i = 0; i < data.Length; i++)
            {
                byte value = input[i];
                byte leaving = window[windowPosition];
                window[windowPosition] = value;
                windowPosition = (windowPosition + 1) & (WindowSize - 1);
                digest ^= outTable[leaving];
                ulong index = digest >> shift;
                digest = ((digest << 8) | value) ^ modTable[index];
            }
        }
        _digest = digest;
        _windowPosition = windowPosition;
    }

    /// <summary>Hashes until the digest matches the split mask; returns the index of that byte, or −1 after hashing all of data.</summary>
    private unsafe int HashUntilMatch(ReadOnlySpan<byte> data)
    {
        ulong digest = _digest;
        int windowPosition = _windowPosition;
        int shift = _tables.Shift;
        ulong mask = _splitMask;
        int hit = -1;
        fixed (byte* input = data)
        fixed (byte* window = _window)
        fixed (ulong* outTable = _tables.Out)
        fixed (ulong* modTable = _tables.Mod)
        {
            for (int i = 0; i < data.Length; i++)
            {
                byte value = input[i];
                byte leaving = window[windowPosition];
                window[windowPosition] = value;
                windowPosition = (windowPosition + 1) & (WindowSize - 1);
                digest ^= outTable[leaving];
                ulong index = digest >> shift;
                digest = ((digest << 8) | value) ^ modTable[index];
                if ((digest & mask) == 0)
                {
                    hit = i;
                    break;
                }
            }
        }
        _digest = digest;
        _windowPosition = windowPosition;
        return hit;
    }

    /// <summary>restic's per-polynomial lookup tables.</summary>
    private sealed class Tables
    {
        public readonly ulong[] Out = new ulong[256];
        public readonly ulong[] Mod = new ulong[256];
        public readonly int Shift;

        public Tables(ulong polynomial)
        {
            int degree = Polynomial.DegreeOf(polynomial);
            Shift = degree - 8;
            for (int b = 0; b < 256; b++)
            {
                // Out[b] = hash of b followed by 63 zero bytes: XOR-ing it removes b as it leaves the window.
                ulong h = Polynomial.Mod((ulong)b, polynomial);
                for (int i = 0; i < WindowSize - 1; i++) h = Polynomial.Mod(h << 8, polynomial);
                Out[b] = h;
                // Mod[b] reduces the 8 bits that overflow above the degree and cancels them in one XOR.
                Mod[b] = Polynomial.Mod((ulong)b << degree, polynomial) | ((ulong)b << degree);
            }
        }
    }
}
