using Lifeboat.Engine.Compression;
using Lifeboat.Engine.Crypto;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Engine.Repository;

/// <summary>
/// Blobs to read out of one pack: the pack, its real size (from a listing or a stat; negative for a pack that is missing),
/// and the blobs as an index or the pack's header lists them.
/// </summary>
public sealed record PackBlobs(Id PackId, long PackSize, IReadOnlyList<PackedBlob> Blobs);

/// <summary>
/// One blob read out of a pack by <see cref="Repository.ReadVerifiedBlobsAsync"/>: verified (decrypted, decompressed and
/// hashed to its ID), or the error that says why not. The bytes are valid only during the handler's call.
/// </summary>
public readonly struct VerifiedBlob
{
    public required Id PackId { get; init; }
    public required PackedBlob Blob { get; init; }
    /// <summary>The blob as the pack stores it (IV, ciphertext, MAC); empty when <see cref="Error"/> is set.</summary>
    public ReadOnlyMemory<byte> Stored { get; init; }
    /// <summary>Its plaintext; empty when <see cref="Error"/> is set.</summary>
    public ReadOnlyMemory<byte> Plaintext { get; init; }
    /// <summary>Why the blob could not be read or did not verify (Damaged, naming the pack); null when it verified.</summary>
    public RepositoryException? Error { get; init; }
}

/// <summary>
/// Reading many blobs out of packs for copying (prune's repacking, repair packs): each pack's blobs are fetched in a few
/// large reads, the next read under way while the last one's blobs are verified and handed on, and every offset and
/// length that an index or a header claims is checked against the pack's real size before a byte is allocated for it.
/// </summary>
public sealed partial class Repository
{
    /// <summary>The most one read fetches when it holds several blobs; a single blob longer than this is read on its own.</summary>
    internal const int BlobReadWindow = 16 * 1024 * 1024;

    /// <summary>Unused bytes between two blobs beyond which they are read separately rather than in one read.</summary>
    private const int MaxReadGap = 4 * 1024 * 1024;

    /// <summary>The largest plaintext a blob may claim (as <see cref="DecodeUnpacked"/> allows a file): no writer makes larger ones.</summary>
    internal const long MaxBlobPlaintext = 1L << 30;

    /// <summary>One read of a pack: its blobs, and the ones of the pack refused without a read (reported first).</summary>
    private readonly record struct ReadWindow(Id PackId, long Start, int Length, List<PackedBlob> Blobs, List<VerifiedBlob>? Refused, bool LastOfPack);

    /// <summary>
    /// Reads the listed blobs of each pack, pack by pack and by offset, and calls <paramref name="handler"/> once per blob
    /// with the blob verified or with the error that makes it unreadable: a blob the pack cannot hold (shorter than its
    /// encryption, or reaching past the end of the pack's blob area), a read that fails, a missing pack, a blob that does
    /// not decrypt, decompress or hash to its ID. Nothing is allocated from a claimed offset or length alone: reads are at
    /// most <see cref="BlobReadWindow"/> bytes unless one blob is longer, and a blob is never longer than its pack.
    /// <paramref name="packDone"/> runs after the last blob of each pack (also of a pack none of whose blobs could be read).
    /// The handler and cancellation are the only exceptions that stop it.
    /// </summary>
    public async Task ReadVerifiedBlobsAsync(IEnumerable<PackBlobs> packs, Func<VerifiedBlob, ValueTask> handler, Func<Id, ValueTask>? packDone,
        CancellationToken cancellationToken)
    {
        using var windows = ReadWindows(packs).GetEnumerator();
        byte[]? idle = null;
        (ReadWindow Window, Task<(byte[] Buffer, Exception? Error)> Read)? pending = null;
        try
        {
            pending = Start();
            while (pending is { } current)
            {
                var (buffer, error) = await current.Read.ConfigureAwait(false);
                pending = null;
                // the next read runs while this one's blobs are verified and copied
                pending = Start();
                await HandleWindowAsync(current.Window, buffer, error, handler, cancellationToken).ConfigureAwait(false);
                if (current.Window.LastOfPack && packDone is not null) await packDone(current.Window.PackId).ConfigureAwait(false);
                if (buffer.Length > 0) idle = buffer;
            }
        }
        finally
        {
            // no read may outlive the call into a buffer the caller no longer expects written
            if (pending is { } abandoned)
                try { await abandoned.Read.ConfigureAwait(false); } catch (Exception) { /* the call is failing already */ }
        }

        // The next window's read, started (a window of refused blobs only needs none).
        (ReadWindow, Task<(byte[], Exception?)>)? Start()
        {
            if (!windows.MoveNext()) return null;
            var window = windows.Current;
            if (window.Blobs.Count == 0) return (window, Task.FromResult((Array.Empty<byte>(), (Exception?)null)));
            var buffer = idle is not null && idle.Length >= window.Length ? idle
                : GC.AllocateUninitializedArray<byte>(window.Length <= BlobReadWindow ? Math.Min(BlobReadWindow, BitCeiling(window.Length)) : window.Length);
            if (ReferenceEquals(buffer, idle)) idle = null;
            return (window, ReadWindowAsync(window, buffer, cancellationToken));
        }
    }

    private static int BitCeiling(int length) => length <= 1 ? 1 : (int)Math.Min(1L << (int)(64 - long.LeadingZeroCount(length - 1L)), Array.MaxLength);

    private async Task<(byte[] Buffer, Exception? Error)> ReadWindowAsync(ReadWindow window, byte[] buffer, CancellationToken cancellationToken) =>
        (buffer, await ReadRangeAsync(window.PackId, window.Start, buffer.AsMemory(0, window.Length), cancellationToken).ConfigureAwait(false));

    /// <summary>Fills <paramref name="destination"/> from the pack; the storage's failure (a missing pack too), or null.</summary>
    private async Task<IOException?> ReadRangeAsync(Id packId, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        try
        {
            await Backend.ReadAsync(FileType.Pack, packId.ToString(), offset, destination, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (IOException e) // a missing pack too (BackendFileNotFoundException)
        {
            return e;
        }
    }

    /// <summary>Each pack's blobs grouped into reads, by offset; the blobs the pack cannot hold go with its first read, or alone.</summary>
    private static IEnumerable<ReadWindow> ReadWindows(IEnumerable<PackBlobs> packs)
    {
        foreach (var pack in packs)
        {
            var readable = new List<PackedBlob>(pack.Blobs.Count);
            List<VerifiedBlob>? refused = null;
            foreach (var blob in pack.Blobs.OrderBy(b => b.Offset))
            {
                if (CheckPlacement(pack, blob) is { } error) (refused ??= []).Add(new VerifiedBlob { PackId = pack.PackId, Blob = blob, Error = error });
                else readable.Add(blob);
            }
            if (readable.Count == 0)
            {
                yield return new ReadWindow(pack.PackId, 0, 0, [], refused, LastOfPack: true);
                continue;
            }
            int first = 0;
            while (first < readable.Count)
            {
                long start = readable[first].Offset, end = start + readable[first].Length;
                int next = first + 1;
                while (next < readable.Count)
                {
                    long blobEnd = Math.Max(end, (long)readable[next].Offset + readable[next].Length);
                    if (readable[next].Offset - end > MaxReadGap || blobEnd - start > BlobReadWindow) break;
                    end = blobEnd;
                    next++;
                }
                yield return new ReadWindow(pack.PackId, start, (int)(end - start), readable.GetRange(first, next - first), first == 0 ? refused : null,
                    LastOfPack: next == readable.Count);
                first = next;
            }
        }
    }

    /// <summary>
    /// Why the index's claim that <paramref name="packId"/> holds <paramref name="blob"/> cannot be believed, or null: a
    /// blob shorter than its encryption or claiming more plaintext than a blob can have is refused at once; one longer
    /// than a read window is believed only as far as the pack really reaches (one stat), so that no reader allocates
    /// for a length an index merely claims.
    /// </summary>
    internal async ValueTask<RepositoryException?> CheckClaimedBlobAsync(Id packId, PackedBlob blob, CancellationToken cancellationToken)
    {
        if (CheckClaimedLengths(packId, blob) is { } refused) return refused;
        if (blob.Length <= BlobReadWindow) return null;
        long size;
        try
        {
            size = await Backend.StatAsync(FileType.Pack, packId.ToString(), cancellationToken).ConfigureAwait(false);
        }
        catch (BackendFileNotFoundException)
        {
            size = -1;
        }
        return CheckPlacement(new PackBlobs(packId, size, []), blob);
    }

    /// <summary>Why an index entry's lengths alone cannot be believed (shorter than its encryption, more plaintext than a blob can have), or null.</summary>
    internal static RepositoryException? CheckClaimedLengths(Id packId, in PackedBlob blob)
    {
        if (blob.Length < CryptoKey.Overhead)
            return new RepositoryException(RepositoryErrorKind.Damaged, $"pack {packId} is damaged: blob {blob.Id} is too short (the index lists it with {blob.Length} bytes: run repair index)");
        if (blob.UncompressedLength > MaxBlobPlaintext || (!blob.IsCompressed && blob.Length - CryptoKey.Overhead > MaxBlobPlaintext))
            return new RepositoryException(RepositoryErrorKind.Damaged,
                $"pack {packId} is damaged: blob {blob.Id} is listed with {(blob.IsCompressed ? blob.UncompressedLength : blob.Length - CryptoKey.Overhead)} bytes of plaintext, more than a blob can have (run repair index)");
        return null;
    }

    /// <summary>Why <paramref name="blob"/> cannot be in <paramref name="pack"/> as claimed, or null when it can.</summary>
    private static RepositoryException? CheckPlacement(PackBlobs pack, in PackedBlob blob)
    {
        if (pack.PackSize < 0)
            return new RepositoryException(RepositoryErrorKind.Damaged, $"pack {pack.PackId} is missing: it holds {blob.Type.ToJson()} blob {blob.Id}");
        if (blob.Length < CryptoKey.Overhead)
            return new RepositoryException(RepositoryErrorKind.Damaged, $"pack {pack.PackId} is damaged: blob {blob.Id} is too short");
        if (blob.Length > Array.MaxLength)
            return new RepositoryException(RepositoryErrorKind.Damaged, $"pack {pack.PackId} is damaged: blob {blob.Id} is listed with {blob.Length} bytes, more than a blob can have");
        // the blobs lie in front of the header, which holds at least one entry
        long blobArea = pack.PackSize - PackHeader.MinPackSize;
        if ((long)blob.Offset + blob.Length > blobArea)
            return new RepositoryException(RepositoryErrorKind.Damaged,
                $"pack {pack.PackId} does not hold blob {blob.Id}: its {blob.Length} bytes at offset {blob.Offset} reach past the pack's {Math.Max(0, blobArea)} bytes of blobs (the index does not match the pack: run repair index)");
        return null;
    }

    private async ValueTask HandleWindowAsync(ReadWindow window, byte[] buffer, Exception? readError, Func<VerifiedBlob, ValueTask> handler, CancellationToken cancellationToken)
    {
        foreach (var refused in window.Refused ?? []) await handler(refused).ConfigureAwait(false);
        foreach (var blob in window.Blobs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var failed = readError;
            // a failed read of several blobs (a bad sector, a damaged pack) costs only the blobs that fail on their own
            if (failed is not null && window.Blobs.Count > 1 && failed is not BackendFileNotFoundException)
                failed = await ReadRangeAsync(window.PackId, blob.Offset, buffer.AsMemory((int)(blob.Offset - window.Start), (int)blob.Length), cancellationToken).ConfigureAwait(false);
            if (failed is not null)
            {
                var error = failed is BackendFileNotFoundException
                    ? new RepositoryException(RepositoryErrorKind.Damaged, $"pack {window.PackId} is missing: it holds {blob.Type.ToJson()} blob {blob.Id}", failed)
                    : new RepositoryException(RepositoryErrorKind.Damaged, $"pack {window.PackId} cannot be read at offset {blob.Offset} ({blob.Type.ToJson()} blob {blob.Id}): {failed.Message}", failed);
                await handler(new VerifiedBlob { PackId = window.PackId, Blob = blob, Error = error }).ConfigureAwait(false);
                continue;
            }
            var stored = buffer.AsMemory((int)(blob.Offset - window.Start), (int)blob.Length);
            byte[]? plain = null;
            int plainLength = 0;
            RepositoryException? failure = null;
            try
            {
                plain = VerifyStoredBlob(window.PackId, blob, stored.Span, exact: false, out plainLength);
            }
            catch (RepositoryException e)
            {
                failure = e;
            }
            try
            {
                await handler(failure is null
                    ? new VerifiedBlob { PackId = window.PackId, Blob = blob, Stored = stored, Plaintext = plain.AsMemory(0, plainLength) }
                    : new VerifiedBlob { PackId = window.PackId, Blob = blob, Error = failure }).ConfigureAwait(false);
            }
            finally
            {
                if (plain is not null) BlobBuffers.Return(plain);
            }
        }
    }

    /// <summary>
    /// Decrypts, decompresses and verifies a stored blob without touching <paramref name="stored"/>, and returns its
    /// plaintext: an array of exactly <paramref name="plainLength"/> bytes when <paramref name="exact"/>, else a rented one
    /// (<see cref="BlobBuffers.Return"/> it). The claimed uncompressed length is believed only once the blob has
    /// authenticated and its compressed frame declares the same size (or, with no declared size, as far as it decompresses).
    /// </summary>
    internal byte[] VerifyStoredBlob(Id packId, in PackedBlob blob, ReadOnlySpan<byte> stored, bool exact, out int plainLength)
    {
        if (stored.Length < CryptoKey.Overhead)
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"pack {packId} is damaged: blob {blob.Id} is too short");
        int openedLength = stored.Length - CryptoKey.Overhead;
        if (!blob.IsCompressed)
        {
            var plain = exact ? GC.AllocateUninitializedArray<byte>(openedLength) : BlobBuffers.Rent(openedLength);
            try
            {
                var span = plain.AsSpan(0, openedLength);
                OpenBlob(packId, blob, stored, span);
                VerifyOpenedBlob(packId, blob, span, span);
            }
            catch
            {
                if (!exact) BlobBuffers.Return(plain);
                throw;
            }
            plainLength = openedLength;
            return plain;
        }

        var opened = BlobBuffers.Rent(openedLength);
        try
        {
            var openedSpan = opened.AsSpan(0, openedLength);
            OpenBlob(packId, blob, stored, openedSpan);
            long declared = Zstd.FrameContentSize(openedSpan);
            if (blob.UncompressedLength > MaxBlobPlaintext || (declared >= 0 && declared != blob.UncompressedLength))
                throw new RepositoryException(RepositoryErrorKind.Damaged,
                    $"pack {packId} is damaged: blob {blob.Id} is listed with {blob.UncompressedLength} bytes, but it decompresses to {(declared >= 0 ? declared.ToString(System.Globalization.CultureInfo.InvariantCulture) : "a different size")}");
            byte[] plain;
            if (declared < 0)
            {
                // no declared size: decompressed into a buffer that grows with what the frame really holds
                try
                {
                    var whole = Zstd.Decompress(openedSpan, blob.UncompressedLength);
                    if (whole.Length != blob.UncompressedLength) throw new InvalidDataException($"decompressed to {whole.Length} bytes, want {blob.UncompressedLength}");
                    VerifyOpenedBlob(packId, blob with { UncompressedLength = 0 }, whole, whole);
                    plainLength = whole.Length;
                    if (exact) return whole;
                    plain = BlobBuffers.Rent(whole.Length);
                    whole.CopyTo(plain, 0);
                    return plain;
                }
                catch (InvalidDataException e)
                {
                    throw new RepositoryException(RepositoryErrorKind.Damaged, $"pack {packId} is damaged: blob {blob.Id} does not decompress ({e.Message})");
                }
            }
            plainLength = (int)blob.UncompressedLength;
            plain = exact ? GC.AllocateUninitializedArray<byte>(plainLength) : BlobBuffers.Rent(plainLength);
            try
            {
                VerifyOpenedBlob(packId, blob, openedSpan, plain.AsSpan(0, plainLength));
            }
            catch
            {
                if (!exact) BlobBuffers.Return(plain);
                throw;
            }
            return plain;
        }
        finally
        {
            BlobBuffers.Return(opened);
        }
    }

    /// <summary>
    /// Stores a blob read by <see cref="ReadVerifiedBlobsAsync"/> into this repository's packs (a repack target's), unless
    /// it is there already. Its stored bytes are valid in any pack of the same repository, so they are copied as they are:
    /// no compression and encryption again. Only a blob that a save would store differently is encoded anew from its
    /// plaintext: an uncompressed one that a save compresses (a tree, or data unless compression is off, in a version 2
    /// repository; restic's --repack-uncompressed and tree packs), or a compressed one in a version 1 repository.
    /// Returns true when the blob was new.
    /// </summary>
    public async ValueTask<bool> SaveVerifiedBlobAsync(VerifiedBlob blob, CancellationToken cancellationToken)
    {
        if (blob.Error is not null) throw new ArgumentException($"blob {blob.Blob.Id} did not verify: {blob.Error.Message}", nameof(blob));
        var b = blob.Blob;
        if (Version >= 2 ? !b.IsCompressed && blob.Plaintext.Length > 0 && (b.Type == BlobType.Tree || CompressData) : b.IsCompressed)
            return await SaveBlobAsync(b.Type, b.Id, blob.Plaintext, cancellationToken).ConfigureAwait(false);
        _uploader.ThrowIfFailed();
        if (!Index.TryAddPending(b.Type, b.Id)) return false;
        var full = AppendSealed(b.Type, b.Id, blob.Stored.Span, b.UncompressedLength);
        if (full is not null) await FinishPackAsync(full, cancellationToken).ConfigureAwait(false);
        return true;
    }
}
