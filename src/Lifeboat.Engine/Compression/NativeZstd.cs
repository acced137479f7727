using System.Runtime.InteropServices;

namespace Lifeboat.Engine.Compression;

/// <summary>
/// libzstd.so.1 through P/Invoke. Contexts are pooled, not kept per thread: a level-3 compression context with
/// restic's window holds megabytes, and the thread pool may run dozens of threads, so a context per thread would
/// cost more memory than everything else a backup keeps.
/// </summary>
internal sealed unsafe partial class NativeZstd : ZstdBackend
{
    private const string Library = "libzstd.so.1";
    private const int CompressionLevelParameter = 100, WindowLogParameter = 101, ContentSizeFlagParameter = 200, ChecksumFlagParameter = 201;
    private const int WindowLogMaxParameter = 100; // ZSTD_d_windowLogMax
    private const int ResetSessionOnly = 1;

    private static readonly ContextPool<CompressionContext> s_compression = new(() => new CompressionContext());
    private static readonly ContextPool<DecompressionContext> s_decompression = new(() => new DecompressionContext());

    private NativeZstd() { }

    /// <summary>Null when the library cannot be loaded (not installed, or not Linux).</summary>
    public static NativeZstd? TryCreate()
    {
        try
        {
            return ZSTD_versionNumber() >= 10400 ? new NativeZstd() : null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return null;
        }
    }

    public override int Compress(ReadOnlySpan<byte> source, Span<byte> destination, int level)
    {
        var context = s_compression.Rent();
        try
        {
            return Compress(context, source, destination, level);
        }
        finally
        {
            s_compression.Return(context);
        }
    }

    private static int Compress(CompressionContext context, ReadOnlySpan<byte> source, Span<byte> destination, int level)
    {
        Check(ZSTD_CCtx_setParameter(context.Handle, CompressionLevelParameter, level), "setting the compression level");
        fixed (byte* src = source)
        fixed (byte* dst = destination)
        {
            nuint result = ZSTD_compress2(context.Handle, dst, (nuint)destination.Length, src, (nuint)source.Length);
            if (ZSTD_isError(result) != 0)
            {
                ZSTD_CCtx_reset(context.Handle, ResetSessionOnly);
                throw new ArgumentException($"zstd compression failed: {ErrorName(result)}", nameof(destination));
            }
            return (int)result;
        }
    }

    public override int Decompress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (source.IsEmpty) throw new InvalidDataException("empty input is not a zstd frame");
        var context = s_decompression.Rent();
        try
        {
            return Decompress(context, source, destination);
        }
        finally
        {
            s_decompression.Return(context);
        }
    }

    private static int Decompress(DecompressionContext context, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        fixed (byte* src = source)
        fixed (byte* dst = destination)
        {
            nuint result = ZSTD_decompressDCtx(context.Handle, dst, (nuint)destination.Length, src, (nuint)source.Length);
            if (ZSTD_isError(result) != 0) throw new InvalidDataException($"zstd decompression failed: {ErrorName(result)}");
            if (result != (nuint)destination.Length)
                throw new InvalidDataException($"zstd data decompressed to {result} bytes, expected {destination.Length}");
            return (int)result;
        }
    }

    public override ulong FrameContentSize(ReadOnlySpan<byte> source)
    {
        fixed (byte* src = source) return ZSTD_getFrameContentSize(src, (nuint)source.Length);
    }

    public override byte[] Decompress(ReadOnlySpan<byte> source, long maxLength)
    {
        if (source.IsEmpty) throw new InvalidDataException("empty input is not a zstd frame");
        var context = s_decompression.Rent();
        try
        {
            return DecompressStream(context, source, maxLength);
        }
        finally
        {
            s_decompression.Return(context);
        }
    }

    private static byte[] DecompressStream(DecompressionContext context, ReadOnlySpan<byte> source, long maxLength)
    {
        ZSTD_DCtx_reset(context.Handle, ResetSessionOnly);
        fixed (byte* src = source)
        {
            byte[] buffer = GC.AllocateUninitializedArray<byte>(InitialCapacity(ZSTD_getFrameContentSize(src, (nuint)source.Length), source.Length, maxLength));
            var input = new Buffer { Data = src, Size = (nuint)source.Length, Position = 0 };
            int used = 0;
            while (true)
            {
                if (used == buffer.Length) buffer = Grow(buffer, used, maxLength);
                nuint result;
                fixed (byte* dst = buffer)
                {
                    var output = new Buffer { Data = dst, Size = (nuint)buffer.Length, Position = (nuint)used };
                    result = ZSTD_decompressStream(context.Handle, &output, &input);
                    used = (int)output.Position;
                }
                if (ZSTD_isError(result) != 0)
                {
                    ZSTD_DCtx_reset(context.Handle, ResetSessionOnly);
                    throw new InvalidDataException($"zstd decompression failed: {ErrorName(result)}");
                }
                bool inputDone = input.Position == input.Size;
                if (inputDone && result == 0) return Finish(buffer, used, maxLength); // every frame complete
                if (inputDone && used < buffer.Length)
                {
                    ZSTD_DCtx_reset(context.Handle, ResetSessionOnly);
                    throw new InvalidDataException("zstd data is truncated");
                }
            }
        }
    }

    private static void Check(nuint code, string what)
    {
        if (ZSTD_isError(code) != 0) throw new InvalidOperationException($"zstd {what} failed: {ErrorName(code)}");
    }

    private static string ErrorName(nuint code) => Marshal.PtrToStringUTF8(ZSTD_getErrorName(code)) ?? "unknown error";

    [StructLayout(LayoutKind.Sequential)]
    private struct Buffer
    {
        public byte* Data;
        public nuint Size;
        public nuint Position;
    }

    /// <summary>Owns a ZSTD_CCtx.</summary>
    private sealed class CompressionContext : IDisposable
    {
        public readonly nint Handle;
        public CompressionContext()
        {
            Handle = ZSTD_createCCtx();
            if (Handle == 0) throw new OutOfMemoryException("ZSTD_createCCtx failed");
            Check(ZSTD_CCtx_setParameter(Handle, WindowLogParameter, Zstd.WindowLog), "setting the window log");
            Check(ZSTD_CCtx_setParameter(Handle, ChecksumFlagParameter, 0), "disabling the checksum");
            Check(ZSTD_CCtx_setParameter(Handle, ContentSizeFlagParameter, 1), "enabling the content size");
        }
        public void Dispose()
        {
            ZSTD_freeCCtx(Handle);
            GC.SuppressFinalize(this);
        }
        ~CompressionContext() => ZSTD_freeCCtx(Handle);
    }

    private sealed class DecompressionContext : IDisposable
    {
        public readonly nint Handle;
        public DecompressionContext()
        {
            Handle = ZSTD_createDCtx();
            if (Handle == 0) throw new OutOfMemoryException("ZSTD_createDCtx failed");
            // restic's decoder accepts windows up to 512 MiB; libzstd's streaming default stops at 128 MiB.
            Check(ZSTD_DCtx_setParameter(Handle, WindowLogMaxParameter, 29), "setting the maximum window");
        }
        public void Dispose()
        {
            ZSTD_freeDCtx(Handle);
            GC.SuppressFinalize(this);
        }
        ~DecompressionContext() => ZSTD_freeDCtx(Handle);
    }

    [LibraryImport(Library)] private static partial uint ZSTD_versionNumber();
    [LibraryImport(Library)] private static partial uint ZSTD_isError(nuint code);
    [LibraryImport(Library)] private static partial nint ZSTD_getErrorName(nuint code);
    [LibraryImport(Library)] private static partial nint ZSTD_createCCtx();
    [LibraryImport(Library)] private static partial nuint ZSTD_freeCCtx(nint context);
    [LibraryImport(Library)] private static partial nuint ZSTD_CCtx_setParameter(nint context, int parameter, int value);
    [LibraryImport(Library)] private static partial nuint ZSTD_CCtx_reset(nint context, int directive);
    [LibraryImport(Library)] private static partial nuint ZSTD_compress2(nint context, void* destination, nuint destinationCapacity, void* source, nuint sourceSize);
    [LibraryImport(Library)] private static partial nint ZSTD_createDCtx();
    [LibraryImport(Library)] private static partial nuint ZSTD_freeDCtx(nint context);
    [LibraryImport(Library)] private static partial nuint ZSTD_DCtx_setParameter(nint context, int parameter, int value);
    [LibraryImport(Library)] private static partial nuint ZSTD_DCtx_reset(nint context, int directive);
    [LibraryImport(Library)] private static partial nuint ZSTD_decompressDCtx(nint context, void* destination, nuint destinationCapacity, void* source, nuint sourceSize);
    [LibraryImport(Library)] private static partial ulong ZSTD_getFrameContentSize(void* source, nuint sourceSize);
    [LibraryImport(Library)] private static partial nuint ZSTD_decompressStream(nint context, Buffer* output, Buffer* input);
}
