namespace Lifeboat.Engine.Compression;

/// <summary>
/// zstd as restic writes it: one frame per blob or file, no checksum, 512 KiB window (window log 19), content size
/// in the header. Uses the system's libzstd.so.1 when present (about 20x faster on incompressible data than the
/// managed port) and falls back to ZstdSharp.Port. Thread-safe; each thread reuses its own contexts.
/// </summary>
public static class Zstd
{
    /// <summary>restic's default ("auto") compression, klauspost SpeedDefault ≈ zstd level 3.</summary>
    public const int DefaultLevel = 3;
    /// <summary>Stands in for restic's "--compression max" (klauspost SpeedBestCompression).</summary>
    public const int MaxLevel = 19;
    /// <summary>restic 0.19's "--compression fastest": klauspost SpeedFastest, zstd's fastest level.</summary>
    public const int FastestLevel = 1;
    /// <summary>restic 0.19's "--compression better": klauspost SpeedBetterCompression, about zstd level 7.</summary>
    public const int BetterLevel = 7;
    internal const int WindowLog = 19;

    private static readonly ZstdBackend Backend = NativeZstd.TryCreate() ?? (ZstdBackend)ManagedZstd.Instance;

    /// <summary>True when libzstd.so.1 is used.</summary>
    public static bool IsNative => Backend is NativeZstd;

    /// <summary>For tests: the native backend if it loads, else null; and the managed one.</summary>
    internal static ZstdBackend? NativeBackend => Backend as NativeZstd;
    internal static ZstdBackend ManagedBackend => ManagedZstd.Instance;

    /// <summary>ZSTD_COMPRESSBOUND: the largest frame a single-shot compression of <paramref name="length"/> bytes can produce.</summary>
    public static int CompressBound(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        long bound = length + ((long)length >> 8) + (length < 128 * 1024 ? (128 * 1024 - length) >> 11 : 0);
        return checked((int)bound);
    }

    /// <summary>Compresses into one frame; returns the frame length. Size destination with <see cref="CompressBound"/>.</summary>
    public static int Compress(ReadOnlySpan<byte> source, Span<byte> destination, int level = DefaultLevel) =>
        Backend.Compress(source, destination, level);

    /// <summary>Decompresses into a destination of exactly the known uncompressed length.</summary>
    /// <exception cref="InvalidDataException">Corrupt input, or its decompressed length differs from destination.Length.</exception>
    public static int Decompress(ReadOnlySpan<byte> source, Span<byte> destination) =>
        Backend.Decompress(source, destination);

    /// <summary>Decompresses one or more concatenated frames of unknown total size (content size may be absent).</summary>
    /// <exception cref="InvalidDataException">Corrupt or truncated input, or output larger than <paramref name="maxLength"/>.</exception>
    public static byte[] Decompress(ReadOnlySpan<byte> source, long maxLength) =>
        Backend.Decompress(source, maxLength);

    /// <summary>The content size the first frame's header declares, or -1 when it declares none or is not a frame.</summary>
    /// <summary>
    /// How much larger than its frame a declared content size is taken at its word for the first buffer. Beyond that
    /// the buffer starts there and grows with the data: a header of a few bytes could otherwise claim a gigabyte and
    /// have it allocated before a byte of it decompressed (what a crafted snapshot or lock file did).
    /// </summary>
    internal const int TrustedRatio = 16;

    public static long FrameContentSize(ReadOnlySpan<byte> source)
    {
        ulong size = Backend.FrameContentSize(source);
        // ZSTD_CONTENTSIZE_UNKNOWN and _ERROR are the two largest ulongs
        return size > long.MaxValue ? -1 : (long)size;
    }
}

/// <summary>One implementation of the three operations; the native and managed ones share the streaming logic shape.</summary>
internal abstract class ZstdBackend
{
    public abstract int Compress(ReadOnlySpan<byte> source, Span<byte> destination, int level);
    public abstract int Decompress(ReadOnlySpan<byte> source, Span<byte> destination);
    public abstract byte[] Decompress(ReadOnlySpan<byte> source, long maxLength);
    public abstract ulong FrameContentSize(ReadOnlySpan<byte> source);

    /// <summary>First buffer size for unknown-size decompression: the declared size when the header has one (and it is plausible), else a guess.</summary>
    protected static int InitialCapacity(ulong declaredSize, int sourceLength, long maxLength)
    {
        long cap = Math.Min(maxLength + 1, Array.MaxLength);
        long plausible = Math.Max(64L * 1024, (long)sourceLength * Zstd.TrustedRatio);
        // ZSTD_CONTENTSIZE_UNKNOWN and _ERROR are the two largest ulongs
        if (declaredSize < ulong.MaxValue - 1) return (int)Math.Min((long)Math.Min(declaredSize, (ulong)plausible), cap);
        return (int)Math.Min(Math.Max(64L * 1024, sourceLength * 4L), cap);
    }

    protected static byte[] Grow(byte[] buffer, int used, long maxLength)
    {
        long cap = Math.Min(maxLength + 1, Array.MaxLength);
        if (buffer.Length >= cap) throw new InvalidDataException($"decompressed data is larger than the allowed {maxLength} bytes");
        long size = Math.Min(Math.Max(buffer.Length * 2L, 64 * 1024), cap);
        var larger = GC.AllocateUninitializedArray<byte>((int)size);
        buffer.AsSpan(0, used).CopyTo(larger);
        return larger;
    }

    protected static byte[] Finish(byte[] buffer, int used, long maxLength)
    {
        if (used > maxLength) throw new InvalidDataException($"decompressed data is larger than the allowed {maxLength} bytes");
        return used == buffer.Length ? buffer : buffer.AsSpan(0, used).ToArray();
    }
}
