using System.Diagnostics;
using Lifeboat.Engine.Chunking;
using Lifeboat.Engine.Model;

namespace Lifeboat.Engine.Backup;

/// <summary>
/// Cuts content into content-defined chunks as it is read and hands each to the blob saver: the one loop behind
/// files (read at offsets) and streams (a pipe, read once to its end). Only the chunk being cut is held, so memory
/// stays at most <see cref="Chunker.MaxSize"/> per content whatever its length.
/// </summary>
internal sealed class ContentChunker(BackupRun run, BlobSaver blobs)
{
    /// <summary>Reads the next bytes of the content into <paramref name="into"/>; 0 at its end.</summary>
    public delegate ValueTask<int> Reader(Memory<byte> into);

    private readonly BackupStatistics _statistics = run.Statistics;
    private readonly Polynomial _polynomial = run.Repository.Config.ChunkerPolynomial;

    /// <summary>
    /// Reads everything <paramref name="read"/> gives, saving each chunk; the content's blob IDs in order and the bytes
    /// read. <paramref name="initialCapacity"/> sizes the first buffer (it grows up to <see cref="Chunker.MaxSize"/>).
    /// </summary>
    public async Task<(List<Id> Content, long Size)> ChunkAsync(Reader read, int initialCapacity)
    {
        var content = new List<Id>();
        var chunker = new Chunker(_polynomial);
        chunker.Reset();
        var buffer = BlobBuffers.Rent(Math.Clamp(initialCapacity, 4096, Chunker.MaxSize));
        long size = 0;
        try
        {
            int filled = 0, scanned = 0;
            while (true)
            {
                run.Cancellation.ThrowIfCancellationRequested();
                if (filled == buffer.Length)
                {
                    // More content than the first buffer holds; a chunk never exceeds MaxSize, so neither does the buffer.
                    var bigger = BlobBuffers.Rent(Math.Min(Chunker.MaxSize, buffer.Length * 2));
                    buffer.AsSpan(0, filled).CopyTo(bigger);
                    BlobBuffers.Return(buffer);
                    buffer = bigger;
                }
                long tr = Stopwatch.GetTimestamp();
                int n = await read(buffer.AsMemory(filled)).ConfigureAwait(false);
                Interlocked.Add(ref _statistics.ReadTicks, Stopwatch.GetTimestamp() - tr);
                if (n == 0) break;
                size += n;
                filled += n;
                Interlocked.Add(ref _statistics.BytesDone, n);
                while (scanned < filled)
                {
                    long tc = Stopwatch.GetTimestamp();
                    int cut = chunker.FindBoundary(buffer.AsSpan(scanned, filled - scanned), out _);
                    Interlocked.Add(ref _statistics.ChunkTicks, Stopwatch.GetTimestamp() - tc);
                    if (cut < 0)
                    {
                        scanned = filled;
                        break;
                    }
                    int length = scanned + cut;
                    content.Add(await blobs.SaveDataAsync(buffer, length).ConfigureAwait(false));
                    buffer.AsSpan(length, filled - length).CopyTo(buffer);
                    filled -= length;
                    scanned = 0;
                }
            }
            if (filled > 0) content.Add(await blobs.SaveDataAsync(buffer, filled).ConfigureAwait(false));
        }
        finally
        {
            BlobBuffers.Return(buffer);
        }
        return (content, size);
    }
}
