using ZstdSharp.Unsafe;
using static ZstdSharp.Unsafe.Methods;

namespace Lifeboat.Engine.Compression;

/// <summary>ZstdSharp.Port's C# translation of libzstd, used through the same low-level API as the native path.</summary>
internal sealed unsafe class ManagedZstd : ZstdBackend
{
    public static readonly ManagedZstd Instance = new();

    [ThreadStatic] private static CompressionContext? t_compression;
    [ThreadStatic] private static DecompressionContext? t_decompression;

    private ManagedZstd() { }

    public override int Compress(ReadOnlySpan<byte> source, Span<byte> destination, int level)
    {
        var context = t_compression ??= new CompressionContext();
        Check(ZSTD_CCtx_setParameter(context.Handle, ZSTD_cParameter.ZSTD_c_compressionLevel, level), "setting the compression level");
        fixed (byte* src = source)
        fixed (byte* dst = destination)
        {
            nuint result = ZSTD_compress2(context.Handle, dst, (nuint)destination.Length, src, (nuint)source.Length);
            if (ZSTD_isError(result))
            {
                ZSTD_CCtx_reset(context.Handle, ZSTD_ResetDirective.ZSTD_reset_session_only);
                throw new ArgumentException($"zstd compression failed: {ErrorName(result)}", nameof(destination));
            }
            return (int)result;
        }
    }

    public override int Decompress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (source.IsEmpty) throw new InvalidDataException("empty input is not a zstd frame");
        var context = t_decompression ??= new DecompressionContext();
        fixed (byte* src = source)
        fixed (byte* dst = destination)
        {
            nuint result = ZSTD_decompressDCtx(context.Handle, dst, (nuint)destination.Length, src, (nuint)source.Length);
            if (ZSTD_isError(result)) throw new InvalidDataException($"zstd decompression failed: {ErrorName(result)}");
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
        var context = t_decompression ??= new DecompressionContext();
        ZSTD_DCtx_reset(context.Handle, ZSTD_ResetDirective.ZSTD_reset_session_only);
        fixed (byte* src = source)
        {
            byte[] buffer = GC.AllocateUninitializedArray<byte>(InitialCapacity(ZSTD_getFrameContentSize(src, (nuint)source.Length), source.Length, maxLength));
            var input = new ZSTD_inBuffer_s { src = src, size = (nuint)source.Length, pos = 0 };
            int used = 0;
            while (true)
            {
                if (used == buffer.Length) buffer = Grow(buffer, used, maxLength);
                nuint result;
                fixed (byte* dst = buffer)
                {
                    var output = new ZSTD_outBuffer_s { dst = dst, size = (nuint)buffer.Length, pos = (nuint)used };
                    result = ZSTD_decompressStream(context.Handle, &output, &input);
                    used = (int)output.pos;
                }
                if (ZSTD_isError(result))
                {
                    ZSTD_DCtx_reset(context.Handle, ZSTD_ResetDirective.ZSTD_reset_session_only);
                    throw new InvalidDataException($"zstd decompression failed: {ErrorName(result)}");
                }
                bool inputDone = input.pos == input.size;
                if (inputDone && result == 0) return Finish(buffer, used, maxLength);
                if (inputDone && used < buffer.Length)
                {
                    ZSTD_DCtx_reset(context.Handle, ZSTD_ResetDirective.ZSTD_reset_session_only);
                    throw new InvalidDataException("zstd data is truncated");
                }
            }
        }
    }

    private static void Check(nuint code, string what)
    {
        if (ZSTD_isError(code)) throw new InvalidOperationException($"zstd {what} failed: {ErrorName(code)}");
    }

    private static string ErrorName(nuint code) => new string(ZSTD_getErrorName(code));

    private sealed class CompressionContext
    {
        public readonly ZSTD_CCtx_s* Handle;
        public CompressionContext()
        {
            Handle = ZSTD_createCCtx();
            Check(ZSTD_CCtx_setParameter(Handle, ZSTD_cParameter.ZSTD_c_windowLog, Zstd.WindowLog), "setting the window log");
            Check(ZSTD_CCtx_setParameter(Handle, ZSTD_cParameter.ZSTD_c_checksumFlag, 0), "disabling the checksum");
            Check(ZSTD_CCtx_setParameter(Handle, ZSTD_cParameter.ZSTD_c_contentSizeFlag, 1), "enabling the content size");
        }
        ~CompressionContext() => ZSTD_freeCCtx(Handle);
    }

    private sealed class DecompressionContext
    {
        public readonly ZSTD_DCtx_s* Handle;
        public DecompressionContext()
        {
            Handle = ZSTD_createDCtx();
            Check(ZSTD_DCtx_setParameter(Handle, ZSTD_dParameter.ZSTD_d_windowLogMax, 29), "setting the maximum window");
        }
        ~DecompressionContext() => ZSTD_freeDCtx(Handle);
    }
}
