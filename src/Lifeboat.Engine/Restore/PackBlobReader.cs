using System.Diagnostics;
using Lifeboat.Engine.Repository;

namespace Lifeboat.Engine.Restore;

/// <summary>
/// Streams the planned blobs of one pack to the files writer: neighbouring blobs are read in one coalesced range
/// through the repository (unneeded stretches are skipped, unlike a front-to-back <see cref="PackStream"/>), every blob
/// is decoded and verified against its ID once, and written to every place that needs it. One instance serves all
/// packs of a restore, several at once; each pack worker's buffers are reused by the next pack.
/// </summary>
internal sealed class PackBlobReader(Repository.Repository repository, FilesWriter files, RestoreStatistics statistics)
{
    // 1 MiB reads cost a few more system calls than 4 MiB ones but hold 3 MiB less per pack in flight
    private const int MaxCoalescedRead = 1024 * 1024;
    private const int MaxCoalesceGap = 256 * 1024;

    private readonly System.Collections.Concurrent.ConcurrentBag<Scratch> _scratch = [];

    /// <summary>Reads the pack's <paramref name="blobs"/> (sorted here by offset) and hands each to the files writer.</summary>
    public async Task ReadAsync(Id packId, List<PlannedBlob> blobs, CancellationToken cancellationToken)
    {
        // a blob that several places need is listed once for each; sorted, they sit next to each other
        blobs.Sort(static (a, b) => a.Blob.Offset.CompareTo(b.Blob.Offset));
        blobs = await RefuseImplausibleAsync(packId, blobs, cancellationToken).ConfigureAwait(false);
        if (!_scratch.TryTake(out var scratch)) scratch = new Scratch();
        try
        {
            int i = 0;
            while (i < blobs.Count)
            {
                int j = i + 1;
                long start = blobs[i].Blob.Offset;
                long end = start + blobs[i].Blob.Length;
                while (j < blobs.Count && blobs[j].Blob.Offset - end <= MaxCoalesceGap && blobs[j].Blob.Offset + blobs[j].Blob.Length - start <= MaxCoalescedRead)
                {
                    end = Math.Max(end, blobs[j].Blob.Offset + blobs[j].Blob.Length);
                    j++;
                }
                int length = (int)(end - start);
                var buffer = Scratch.Ensure(ref scratch.Read, length);
                long t0 = Stopwatch.GetTimestamp();
                try
                {
                    await repository.ReadPackAsync(packId, start, buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException)
                {
                    var error = e is Storage.BackendFileNotFoundException
                        ? new RepositoryException(RepositoryErrorKind.Damaged, $"pack {packId} is missing")
                        : new RepositoryException(RepositoryErrorKind.Damaged, $"pack {packId} cannot be read: {e.Message}", e);
                    for (int k = i; k < j; k++) files.Fail(blobs[k].File, error);
                    i = j;
                    continue;
                }
                finally
                {
                    Interlocked.Add(ref statistics.ReadTicks, Stopwatch.GetTimestamp() - t0);
                }
                WriteRange(packId, blobs, i, j, buffer, start, scratch);
                i = j;
            }
        }
        finally
        {
            scratch.Trim();
            _scratch.Add(scratch);
        }
    }

    /// <summary>
    /// The blobs whose index entries can be believed; the files of the others fail naming the damage. The buffers below
    /// are sized from these lengths, which an index (untrusted input) claims.
    /// </summary>
    private async ValueTask<List<PlannedBlob>> RefuseImplausibleAsync(Id packId, List<PlannedBlob> blobs, CancellationToken cancellationToken)
    {
        List<PlannedBlob>? kept = null;
        for (int i = 0; i < blobs.Count; i++)
        {
            var error = await repository.CheckClaimedBlobAsync(packId, blobs[i].Blob, cancellationToken).ConfigureAwait(false);
            if (error is null)
            {
                kept?.Add(blobs[i]);
                continue;
            }
            kept ??= blobs.GetRange(0, i);
            files.Fail(blobs[i].File, error);
        }
        return kept ?? blobs;
    }

    /// <summary>Decodes the blobs [<paramref name="from"/>, <paramref name="to"/>) out of one read range and writes them.</summary>
    private void WriteRange(Id packId, List<PlannedBlob> blobs, int from, int to, byte[] buffer, long start, Scratch scratch)
    {
        for (int k = from; k < to;)
        {
            var blob = blobs[k].Blob;
            // the same blob wanted by several places: decode once, write to each
            int next = k + 1;
            while (next < to && blobs[next].Blob.Offset == blob.Offset && blobs[next].Blob.Id == blob.Id) next++;
            int plainLength = (int)(blob.IsCompressed ? blob.UncompressedLength : blob.Length - Crypto.CryptoKey.Overhead);
            var plain = Scratch.Ensure(ref scratch.Plain, plainLength);
            long t0 = Stopwatch.GetTimestamp();
            try
            {
                repository.DecodeBlob(packId, blob, buffer.AsSpan((int)(blob.Offset - start), (int)blob.Length), plain.AsSpan(0, plainLength));
            }
            catch (RepositoryException e)
            {
                for (; k < next; k++) files.Fail(blobs[k].File, e);
                continue;
            }
            finally
            {
                Interlocked.Add(ref statistics.DecodeTicks, Stopwatch.GetTimestamp() - t0);
            }
            for (; k < next; k++) files.Write(blobs[k].File, plain.AsSpan(0, plainLength), blobs[k].Offset);
        }
    }

    /// <summary>A pack worker's buffers, reused from pack to pack; one big blob's worth is let go after its pack.</summary>
    private sealed class Scratch
    {
        private const int Keep = 2 * 1024 * 1024;
        public byte[] Read = [];
        public byte[] Plain = [];

        public static byte[] Ensure(ref byte[] buffer, int length)
        {
            // whole 64 KiB steps, so that a run of slightly growing blobs does not allocate for each
            if (buffer.Length < length) buffer = GC.AllocateUninitializedArray<byte>(Math.Max(64 * 1024, (length + 0xFFFF) & ~0xFFFF));
            return buffer;
        }

        public void Trim()
        {
            if (Read.Length > Keep) Read = [];
            if (Plain.Length > Keep) Plain = [];
        }
    }
}
