using Lifeboat.Engine.Storage;

namespace Lifeboat.Engine.Repository;

/// <summary>
/// Packs as files: their size, their own header, a front-to-back read through a bounded window (check --read-data) and a
/// read of a range (the restorer's coalesced reads). <see cref="LoadBlobAsync"/> reads one blob; these serve the code that
/// works pack by pack. Each is one storage call, passed through without copying: the hot paths cost what they did.
/// </summary>
public sealed partial class Repository
{
    /// <summary>A pack's size in bytes; <see cref="BackendFileNotFoundException"/> when the pack is missing.</summary>
    public Task<long> StatPackAsync(Id packId, CancellationToken cancellationToken) =>
        Backend.StatAsync(FileType.Pack, packId.ToString(), cancellationToken);

    /// <summary>
    /// The blobs a pack's encrypted header lists, with their offsets, checked against <paramref name="packSize"/> (from a
    /// listing or <see cref="StatPackAsync"/>). Any failure, a missing pack too, is a Damaged <see cref="RepositoryException"/>
    /// naming the pack.
    /// </summary>
    public Task<List<PackedBlob>> ReadPackHeaderAsync(Id packId, long packSize, CancellationToken cancellationToken) =>
        PackReader.ReadHeaderAsync(Backend, Key, packId, packSize, cancellationToken);

    /// <summary>
    /// The blobs a pack's header lists, decoded from the end of the pack already read (<paramref name="tail"/> ends where
    /// the pack ends and holds at least the header and its length field): no request. A Damaged
    /// <see cref="RepositoryException"/> as from <see cref="ReadPackHeaderAsync"/> when it is not a valid header.
    /// </summary>
    public List<PackedBlob> DecodePackHeader(Id packId, ReadOnlySpan<byte> tail, long packSize) =>
        PackReader.DecodeHeader(Key, packId, tail, packSize);

    /// <summary>
    /// Reads a pack of <paramref name="packSize"/> bytes front to back through a bounded window, hashing every byte
    /// (check --read-data), through one stream of the whole pack that holds a connection until it is disposed. Storage
    /// failures surface from its reads as the storage's exceptions.
    /// </summary>
    public PackStream OpenPackStream(Id packId, long packSize) =>
        new(Backend, packId.ToString(), packSize, Backend.IsLocal ? PackStream.LocalWindowSize : PackStream.RemoteWindowSize);

    /// <summary>
    /// Fills <paramref name="destination"/> with the pack's bytes from <paramref name="offset"/>, straight from the storage
    /// (no copy): the restorer reads neighbouring blobs in one request. A missing pack is
    /// <see cref="BackendFileNotFoundException"/>, other failures the storage's <see cref="IOException"/>s; the caller
    /// decodes and verifies what it read (<see cref="DecodeBlob"/>, <see cref="VerifyBlobInPlace"/>).
    /// </summary>
    public Task ReadPackAsync(Id packId, long offset, Memory<byte> destination, CancellationToken cancellationToken) =>
        Backend.ReadAsync(FileType.Pack, packId.ToString(), offset, destination, cancellationToken);
}
