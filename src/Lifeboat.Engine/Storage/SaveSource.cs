using System.Security.Cryptography;

namespace Lifeboat.Engine.Storage;

/// <summary>
/// The whole content of a file to save, readable again from its start as often as needed (restic's RewindReader): a
/// failed upload is retried by reading it once more.
/// </summary>
public abstract class SaveSource
{
    private byte[]? _md5;

    public abstract long Length { get; }

    /// <summary>A new stream over the content from its first byte; the caller disposes it.</summary>
    public abstract Stream OpenRead();

    /// <summary>The content when it is in memory (small files), so that a backend can send it without a copy.</summary>
    public virtual bool TryGetMemory(out ReadOnlyMemory<byte> content)
    {
        content = default;
        return false;
    }

    /// <summary>The content's MD5 (S3's Content-MD5 header), computed once.</summary>
    public byte[] Md5()
    {
        if (_md5 is not null) return _md5;
        if (TryGetMemory(out var content)) return _md5 = MD5.HashData(content.Span);
        using var stream = OpenRead();
        return _md5 = MD5.HashData(stream);
    }

    /// <summary>The content's SHA-256 (signed payloads, and the name check of content-addressed files).</summary>
    public byte[] Sha256()
    {
        if (TryGetMemory(out var content)) return SHA256.HashData(content.Span);
        using var stream = OpenRead();
        return SHA256.HashData(stream);
    }

    public static SaveSource FromMemory(ReadOnlyMemory<byte> content) => new MemorySaveSource(content);

    private sealed class MemorySaveSource(ReadOnlyMemory<byte> content) : SaveSource
    {
        public override long Length => content.Length;

        public override Stream OpenRead() => new ReadOnlyMemoryStream(content);

        public override bool TryGetMemory(out ReadOnlyMemory<byte> result)
        {
            result = content;
            return true;
        }
    }
}
