using System.Buffers;

namespace Lifeboat.Engine;

/// <summary>
/// The buffers that hold chunks and blobs (up to 8 MiB plus framing). Not ArrayPool.Shared: that pool keeps an
/// array per thread and several per core for every size, so a backup's thread pool ends up holding many idle
/// multi-megabyte arrays. This pool keeps at most a few arrays of each size, shared by all threads.
/// </summary>
public static class BlobBuffers
{
    // the largest blob (8 MiB chunk) compressed-bound plus crypto overhead, and the restorer's 4 MiB coalesced reads
    private const int MaxLength = 16 * 1024 * 1024;

    private static readonly ArrayPool<byte> s_pool = ArrayPool<byte>.Create(MaxLength, maxArraysPerBucket: Math.Max(4, Environment.ProcessorCount * 2));

    public static byte[] Rent(int minimumLength) => s_pool.Rent(minimumLength);

    public static void Return(byte[] buffer) => s_pool.Return(buffer);
}
