namespace Lifeboat.Engine.Storage;

/// <summary>
/// Where a repository's files live. A backend knows file types and names, never what is inside a file.
/// Every write is atomic: a reader sees the whole file or none of it.
/// </summary>
public interface IBackend : IDisposable
{
    /// <summary>The location as the user wrote it, for messages.</summary>
    string Location { get; }

    /// <summary>Creates the empty layout of a new repository; fails when a config already exists.</summary>
    Task CreateAsync(CancellationToken cancellationToken);

    Task<bool> ExistsAsync(FileType type, string name, CancellationToken cancellationToken);

    /// <summary>The size of a file; throws <see cref="BackendFileNotFoundException"/> when it is missing.</summary>
    Task<long> StatAsync(FileType type, string name, CancellationToken cancellationToken);

    /// <summary>Every file of a type, in no particular order. Names that are not 64 hex digits are skipped.</summary>
    IAsyncEnumerable<BackendFile> ListAsync(FileType type, CancellationToken cancellationToken);

    /// <summary>Fills <paramref name="destination"/> from <paramref name="offset"/>; a short file is an error.</summary>
    Task ReadAsync(FileType type, string name, long offset, Memory<byte> destination, CancellationToken cancellationToken);

    Task<byte[]> ReadAllAsync(FileType type, string name, CancellationToken cancellationToken);

    /// <summary>Writes a whole small file atomically.</summary>
    Task WriteAsync(FileType type, string name, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Starts a large file whose name is known only once it is complete (a pack is named by its hash).</summary>
    IUpload BeginUpload(FileType type);

    Task DeleteAsync(FileType type, string name, CancellationToken cancellationToken);
}
