namespace Lifeboat.Engine.Storage;

/// <summary>
/// Where a repository's files live. A backend knows file types and names, never what is inside a file.
/// </summary>
/// <remarks>
/// The contract every implementation keeps (and <c>BackendConformance</c> in the tests checks):
/// <list type="bullet">
/// <item>A missing file is <see cref="BackendFileNotFoundException"/>, from <see cref="StatAsync"/>, <see cref="ReadAsync"/>,
/// <see cref="ReadAllAsync"/> and <see cref="OpenReadAsync"/> (from opening, or at the latest from the stream's first read); <see cref="DeleteAsync"/> of a missing file succeeds (so that a delete retried after it landed does not fail).</item>
/// <item>Failures that may pass (connection reset or refused, timeout, 5xx, throttling) are <see cref="BackendException"/> with
/// <see cref="BackendErrorKind.Transient"/>; the <see cref="RetryBackend"/> decorator retries those. Failures that will not pass
/// (authentication, permission, an append-only refusal, a missing bucket, a full disk) are <see cref="BackendErrorKind.Permanent"/>
/// and fail at once. Their messages are one line naming the file and the cause.</item>
/// <item><see cref="SaveAsync"/> is atomic: a reader sees the whole file or none of it, also when the save fails half way or the
/// process dies. Names are hashes of the content, so saving an existing name never changes what it holds: a backend may replace
/// the file with the same bytes or refuse with a permanent error (restic's REST server refuses).</item>
/// <item>Reads of a range return exactly that range; a file shorter than asked is an error, never a short buffer (a stream
/// that ends early throws rather than ending).</item>
/// <item>Every member is safe to call from many threads at once, up to <see cref="Connections"/> operations in flight.</item>
/// </list>
/// </remarks>
public interface IBackend : IDisposable
{
    /// <summary>The location as the user wrote it (without secrets), for messages.</summary>
    string Location { get; }

    /// <summary>How many operations at once suit this backend (uploads, downloads); restic's <c>-o BACKEND.connections</c>.</summary>
    int Connections { get; }

    /// <summary>True when the files are on this machine: no local cache is kept for such a repository.</summary>
    bool IsLocal { get; }

    /// <summary>Creates the empty layout of a new repository; fails when a config already exists.</summary>
    Task CreateAsync(CancellationToken cancellationToken);

    /// <summary>The size of a file; throws <see cref="BackendFileNotFoundException"/> when it is missing.</summary>
    Task<long> StatAsync(FileType type, string name, CancellationToken cancellationToken);

    /// <summary>Every file of a type, in no particular order. Names that are not 64 hex digits are skipped (but "config").</summary>
    IAsyncEnumerable<BackendFile> ListAsync(FileType type, CancellationToken cancellationToken);

    /// <summary>Fills <paramref name="destination"/> from <paramref name="offset"/>; a short file is an error.</summary>
    Task ReadAsync(FileType type, string name, long offset, Memory<byte> destination, CancellationToken cancellationToken);

    /// <summary>
    /// The bytes [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>) of a file as a forward-only
    /// stream, read asynchronously front to back as they arrive: one request for the whole range over HTTP (restic reads a
    /// pack so), instead of a round trip per buffer. The stream may hold a connection until it is disposed. Its failures are
    /// the contract's exceptions; a connection lost mid-way is transient (<see cref="RetryBackend"/> resumes where it
    /// stopped). Without a streamed read of its own, a backend serves each read of the stream with one
    /// <see cref="ReadAsync"/> into the caller's buffer (<see cref="RangeReadStream"/>).
    /// </summary>
    Task<Stream> OpenReadAsync(FileType type, string name, long offset, long length, CancellationToken cancellationToken) =>
        RangeReadStream.OpenAsync(this, type, name, offset, length, cancellationToken);

    /// <summary>A whole file, in one request where the backend allows.</summary>
    Task<byte[]> ReadAllAsync(FileType type, string name, CancellationToken cancellationToken);

    /// <summary>
    /// A file to fill and then hand to <see cref="SaveAsync"/> (a pack being built). A local backend keeps it beside its
    /// target so that saving it is a rename; any other keeps it in the system's temporary directory.
    /// </summary>
    StagingFile CreateStagingFile(FileType type);

    /// <summary>
    /// Saves a whole file atomically. The source can be read again from its start (<see cref="SaveSource.OpenRead"/>), so a
    /// failed attempt can be sent again.
    /// </summary>
    Task SaveAsync(FileType type, string name, SaveSource source, CancellationToken cancellationToken);

    /// <summary>Removes a file; a missing file is not an error.</summary>
    Task DeleteAsync(FileType type, string name, CancellationToken cancellationToken);
}
