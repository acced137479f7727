using Lifeboat.Engine.Storage;

namespace Lifeboat.Engine.Repository;

/// <summary>
/// The repository's files by type, as they are stored: listing them, reading one whole without decoding it, deleting.
/// What code above the repository needs of the storage besides blobs and unpacked files (list, cat, unlock, prune, rebuild-index).
/// </summary>
public sealed partial class Repository
{
    /// <summary>
    /// Every file of a type with its size, in no particular order. Names that are not IDs are skipped (the config has its
    /// own members). A failure is the storage's <see cref="BackendException"/>.
    /// </summary>
    public IAsyncEnumerable<BackendFile> ListFilesAsync(FileType type, CancellationToken cancellationToken) =>
        Backend.ListAsync(type, cancellationToken);

    /// <summary>
    /// A file's bytes exactly as stored (sealed, unchecked), for <c>cat</c>: a key file's JSON, a whole pack.
    /// A missing file is <see cref="BackendFileNotFoundException"/>. Anything to be decoded goes through
    /// <see cref="LoadUnpackedAsync"/> or <see cref="LoadBlobAsync"/>, which check what they read.
    /// </summary>
    public Task<byte[]> ReadRawFileAsync(FileType type, string name, CancellationToken cancellationToken) =>
        Backend.ReadAllAsync(type, name, cancellationToken);

    /// <summary>Removes a file (an obsolete pack or index file, a lock); a missing file is not an error.</summary>
    public Task DeleteFileAsync(FileType type, Id id, CancellationToken cancellationToken) =>
        Backend.DeleteAsync(type, id.ToString(), cancellationToken);
}
