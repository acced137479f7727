using System.Diagnostics;
using System.Buffers;
using System.Runtime.InteropServices;
using System.Runtime;
using System.Security.Cryptography;
using Lifeboat.Engine.Compression;
using Lifeboat.Engine.Crypto;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Engine.Repository;

/// <summary>
/// An open restic repository: its config, master key and index; loads and saves blobs and unpacked files.
/// Everything above the storage layer goes through it.
/// </summary>
public sealed partial class Repository : IAsyncDisposable
{
    private const int MaxKeysTried = 20;
    private const int IndexBlobsV1 = 50_000;
    private const int IndexBlobsV2 = 150_000;

    private readonly Packer[] _packers = [new(), new()];
    private readonly PackUploader _uploader;
    private readonly LockGuardBackend _guard;
    private readonly Lock _unsavedLock = new();
    private readonly List<(Id PackId, List<PackedBlob> Blobs)> _unsavedPacks = [];
    private int _unsavedBlobs;
    private long _unsavedSince;

    private Repository(IBackend backend, RepositoryConfig config, CryptoKey key, string keyName, RepositoryOptions options)
    {
        _guard = new LockGuardBackend(backend);
        Backend = _guard;
        _uploader = new PackUploader(_guard);
        Config = config;
        Key = key;
        KeyName = keyName;
        Options = options;
    }

    /// <summary>
    /// The storage, through the lock guard: once a held lock cannot be refreshed, every operation fails. Private: code above
    /// the repository reaches files and packs through its members (Repository.Files.cs, Repository.Packs.cs).
    /// </summary>
    private IBackend Backend { get; }

    /// <summary>The storage without the lock guard, for the lock itself.</summary>
    internal IBackend LockStorage => _guard.Unguarded;

    /// <summary>Stops every storage operation of this repository with <paramref name="failure"/> (the lock was lost).</summary>
    internal void StopOperations(Exception failure) => _guard.Fail(failure);
    public RepositoryConfig Config { get; }
    public CryptoKey Key { get; }
    /// <summary>The key file that opened the repository.</summary>
    public string KeyName { get; }
    public RepositoryOptions Options { get; }
    /// <summary>
    /// Whether the storage is a directory of this machine (no round trips: parallelism is bounded by the CPU and disk)
    /// or a server (every read waits a round trip, so more reads in flight hide the latency).
    /// </summary>
    public bool IsLocal => Backend.IsLocal;
    /// <summary>How many operations the storage is meant to carry at once (-o &lt;backend&gt;.connections).</summary>
    public int StorageConnections => Backend.Connections;
    /// <summary>Every blob of the loaded index files; read-only outside the repository (see Repository.Index.cs).</summary>
    public MasterIndex Index { get; } = new();
    public int Version => Config.Version;

    private bool CompressData => Version >= 2 && Options.Compression != CompressionMode.Off;
    private int CompressionLevel => Options.Compression switch
    {
        CompressionMode.Max => Zstd.MaxLevel,
        CompressionMode.Better => Zstd.BetterLevel,
        CompressionMode.Fastest => Zstd.FastestLevel,
        _ => Zstd.DefaultLevel,
    };

    /// <summary>Creates a new repository: layout, config, and a key for the password.</summary>
    public static async Task<Repository> InitAsync(IBackend backend, string password, int version, RepositoryOptions options,
        (int N, int R, int P)? kdfParameters = null, Chunking.Polynomial? polynomial = null, CancellationToken cancellationToken = default)
    {
        if (version < RepositoryConfig.MinVersion || version > RepositoryConfig.MaxVersion)
            throw new RepositoryException(RepositoryErrorKind.Fatal, $"repository version {version} is not supported: choose 1 or 2");
        if (await backend.ExistsAsync(FileType.Config, "config", cancellationToken).ConfigureAwait(false))
            throw new RepositoryException(RepositoryErrorKind.Fatal, $"repository {backend.Location} already exists: it has a config file");
        await backend.CreateAsync(cancellationToken).ConfigureAwait(false);
        var masterKey = CryptoKey.NewRandom();
        var parameters = kdfParameters ?? KeyDerivation.Calibrate(TimeSpan.FromMilliseconds(500), 60L << 20);
        var keyFile = KeyFile.Create(masterKey, password, parameters, Environment.UserName, Environment.MachineName);
        var keyJson = keyFile.ToJson();
        var keyName = Id.Hash(keyJson).ToString();
        await backend.SaveAsync(FileType.Key, keyName, keyJson, cancellationToken).ConfigureAwait(false);
        var config = RepositoryConfig.New(version, polynomial);
        var repo = new Repository(backend, config, masterKey, keyName, options);
        await backend.SaveAsync(FileType.Config, "config", masterKey.Seal(config.ToJson()), cancellationToken).ConfigureAwait(false);
        return repo;
    }

    /// <summary>Opens a repository: finds a key that fits the password, then reads the config.</summary>
    public static async Task<Repository> OpenAsync(IBackend backend, string password, RepositoryOptions options, CancellationToken cancellationToken = default)
    {
        byte[] sealedConfig;
        try
        {
            sealedConfig = await backend.ReadAllAsync(FileType.Config, "config", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is BackendFileNotFoundException or DirectoryNotFoundException or FileNotFoundException)
        {
            throw new RepositoryException(RepositoryErrorKind.NotFound, $"there is no repository at {backend.Location}: it has no config file (create one with init)");
        }

        var keyNames = new List<string>();
        await foreach (var f in backend.ListAsync(FileType.Key, cancellationToken).ConfigureAwait(false)) keyNames.Add(f.Name);
        keyNames.Sort(StringComparer.Ordinal);
        if (options.KeyHint is { } hint)
        {
            int i = keyNames.FindIndex(n => n.StartsWith(hint, StringComparison.Ordinal));
            if (i > 0) { var h = keyNames[i]; keyNames.RemoveAt(i); keyNames.Insert(0, h); }
        }
        if (keyNames.Count == 0)
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"repository {backend.Location} has no key files");

        foreach (var name in keyNames.Take(MaxKeysTried))
        {
            var json = await backend.ReadAllAsync(FileType.Key, name, cancellationToken).ConfigureAwait(false);
            var keyFile = KeyFile.Parse(json, name);
            var masterKey = keyFile.TryOpen(password);
            if (masterKey is null) continue;
            byte[] configJson;
            try
            {
                configJson = masterKey.Open(sealedConfig);
            }
            catch (Exception e) when (e is CryptoAuthenticationException or ArgumentException)
            {
                throw new RepositoryException(RepositoryErrorKind.Damaged, $"config of repository {backend.Location} does not verify with its master key: the file is damaged");
            }
            var config = RepositoryConfig.Parse(configJson);
            return new Repository(WithCache(backend, config, options), config, masterKey, name, options);
        }
        throw new RepositoryException(RepositoryErrorKind.WrongPassword, "wrong password or no key found: check the password for this repository");
    }

    // ---- unpacked files: index, snapshots, locks ----

    /// <summary>Encrypts (and in v2 compresses) a small file and stores it under the hash of its stored bytes.</summary>
    public async Task<Id> SaveUnpackedAsync(FileType type, ReadOnlyMemory<byte> plaintext, CancellationToken cancellationToken) =>
        await SaveUnpackedAsync(type, plaintext, cancellationToken, Backend).ConfigureAwait(false);

    internal async Task<Id> SaveUnpackedAsync(FileType type, ReadOnlyMemory<byte> plaintext, CancellationToken cancellationToken, IBackend storage)
    {
        // One buffer, sealed in place (payload at offset 16, IV in front, MAC behind): a large index costs one
        // allocation instead of four, and uninitialized, so the unused part of the compression bound is never touched.
        bool compress = Version >= 2 && type != FileType.Config;
        int bound = compress ? 1 + Zstd.CompressBound(plaintext.Length) : plaintext.Length;
        var buffer = GC.AllocateUninitializedArray<byte>(CryptoKey.Overhead + bound);
        int payloadLength;
        if (compress)
        {
            buffer[16] = 2;
            payloadLength = 1 + Zstd.Compress(plaintext.Span, buffer.AsSpan(17, bound - 1), CompressionLevel);
        }
        else
        {
            plaintext.Span.CopyTo(buffer.AsSpan(16));
            payloadLength = plaintext.Length;
        }
        var sealedBytes = buffer.AsMemory(0, payloadLength + CryptoKey.Overhead);
        Key.Seal(buffer.AsSpan(16, payloadLength), sealedBytes.Span);
        var id = Id.Hash(sealedBytes.Span);
        await storage.SaveAsync(type, id.ToString(), sealedBytes, cancellationToken).ConfigureAwait(false);
        return id;
    }

    /// <summary>Loads a small file, checking that its name is the hash of its bytes, then decrypts and decompresses it.</summary>
    public async Task<byte[]> LoadUnpackedAsync(FileType type, Id id, CancellationToken cancellationToken)
    {
        var (buffer, length) = await ReadAndOpenAsync(type, id, cancellationToken).ConfigureAwait(false);
        return DecodeUnpacked(buffer.AsSpan(OpenedOffset, length), type, id.ToString());
    }

    /// <summary>
    /// Loads an index file as <see cref="LoadUnpackedAsync"/> does (same checks, same errors) and hands its JSON to
    /// <paramref name="parse"/>. The JSON (14 MB at the benchmark's scale 1) lives in native memory freed on return:
    /// the managed heap only ever holds the sealed file. Large dead arrays were what index loading left behind, and
    /// a collection did not always get them back.
    /// </summary>
    public async Task<T> LoadIndexFileAsync<T>(Id id, IndexJsonParser<T> parse, CancellationToken cancellationToken)
    {
        var (buffer, length) = await ReadAndOpenAsync(FileType.Index, id, cancellationToken).ConfigureAwait(false);
        return ParseIndexFile(buffer.AsSpan(OpenedOffset, length), id.ToString(), parse);
    }

    /// <summary>Where <see cref="ReadAndOpenAsync"/> leaves the plaintext: after the 16-byte IV.</summary>
    private const int OpenedOffset = 16;

    /// <summary>
    /// Reads a file, checks that its content matches its name, and decrypts it in its own buffer (CTR decrypts the
    /// ciphertext onto itself): the plaintext is the buffer's <paramref name="length"/> bytes at <see cref="OpenedOffset"/>.
    /// </summary>
    private async Task<(byte[] Buffer, int Length)> ReadAndOpenAsync(FileType type, Id id, CancellationToken cancellationToken)
    {
        var name = id.ToString();
        var sealedBytes = await Backend.ReadAllAsync(type, name, cancellationToken).ConfigureAwait(false);
        if (Id.Hash(sealedBytes) != id)
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"{BackendPaths.Describe(type, name)} is damaged: its content does not match its name");
        try
        {
            int length = sealedBytes.Length < CryptoKey.Overhead ? throw new ArgumentException("too short")
                : Key.Open(sealedBytes, sealedBytes.AsSpan(OpenedOffset, sealedBytes.Length - CryptoKey.Overhead));
            return (sealedBytes, length);
        }
        catch (Exception e) when (e is CryptoAuthenticationException or ArgumentException)
        {
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"{BackendPaths.Describe(type, name)} is damaged: it does not decrypt");
        }
    }

    private byte[] DecodeUnpacked(ReadOnlySpan<byte> plain, FileType type, string name)
    {
        if (Version < 2 || plain.Length == 0 || plain[0] == (byte)'[' || plain[0] == (byte)'{') return plain.ToArray();
        if (plain[0] != 2)
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"{BackendPaths.Describe(type, name)} has an unsupported encoding {plain[0]}");
        try
        {
            return Zstd.Decompress(plain[1..], 1L << 30);
        }
        catch (InvalidDataException e)
        {
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"{BackendPaths.Describe(type, name)} is damaged: {e.Message}");
        }
    }

    private unsafe T ParseIndexFile<T>(ReadOnlySpan<byte> plain, string name, IndexJsonParser<T> parse)
    {
        if (Version < 2 || plain.Length == 0 || plain[0] == (byte)'[' || plain[0] == (byte)'{') return parse(plain);
        long contentSize = plain[0] == 2 ? Zstd.FrameContentSize(plain[1..]) : -1;
        // a size far beyond what the frame could plausibly hold is a crafted header: the general path grows its buffer instead
        if (contentSize is < 0 or > 1L << 30 || contentSize > Math.Max(64L * 1024, (long)plain.Length * Zstd.TrustedRatio))
            return parse(DecodeUnpacked(plain, FileType.Index, name));
        void* json = NativeMemory.Alloc((nuint)Math.Max(1, contentSize));
        try
        {
            var span = new Span<byte>(json, (int)contentSize);
            try
            {
                Zstd.Decompress(plain[1..], span);
            }
            catch (InvalidDataException)
            {
                // Damaged or several frames: the general path decides, with its own error message.
                return parse(DecodeUnpacked(plain, FileType.Index, name));
            }
            return parse(span);
        }
        finally
        {
            NativeMemory.Free(json);
        }
    }

    public async Task<List<Id>> ListIdsAsync(FileType type, CancellationToken cancellationToken)
    {
        var ids = new List<Id>();
        await foreach (var f in Backend.ListAsync(type, cancellationToken).ConfigureAwait(false))
            if (Id.TryParse(f.Name, out var id)) ids.Add(id);
        return ids;
    }

    // ---- the index ----

    /// <summary>Loads every index file into <see cref="Index"/>, several at a time.</summary>
    public async Task LoadIndexAsync(CancellationToken cancellationToken)
    {
        var ids = await ListIdsAsync(FileType.Index, cancellationToken).ConfigureAwait(false);
        long indexBytes = 0;
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Options.Connections), CancellationToken = cancellationToken },
            async (id, ct) =>
            {
                // Straight into the master index, pack by pack: no parsed copy of the whole file is held.
                int length = await LoadIndexFileAsync(id, json =>
                {
                    IndexFile.Parse(json, id.ToString(), (packId, blobs) =>
                    {
                        if (Version < 2 && blobs.Any(b => b.IsCompressed))
                            throw new RepositoryException(RepositoryErrorKind.Damaged, $"index {id} uses compression, which repository version 1 does not support");
                        Index.AddPack(packId, blobs);
                    });
                    return json.Length;
                }, ct).ConfigureAwait(false);
                Interlocked.Add(ref indexBytes, length);
            }).ConfigureAwait(false);
        lock (_indexFiles) _indexFiles.AddRange(ids);
        await ReleaseLoadGarbageAsync(indexBytes).ConfigureAwait(false);
        PrepareCache();
    }

    /// <summary>
    /// A large index leaves tens of megabytes of dead large objects behind (the sealed, decrypted and decompressed
    /// file). Uncollected, they stay committed for the rest of the command and stack up under its later peak;
    /// one compacting collection right after loading (milliseconds: little but the index is live) hands them back.
    /// </summary>
    public static async Task ReleaseLoadGarbageAsync(long bytesLoaded)
    {
        if (bytesLoaded < 4 << 20) return;
        // The caller runs as a continuation inlined on the stack of the last file's read: that stack's frames
        // (LoadUnpackedAsync's, the parser's) still reference the last file's three buffers, and a collection
        // made there kept them (measured: 23 MB at scale 1, then promoted to gen2 for the rest of the command).
        // Continue on a fresh stack first.
        await Task.Yield();
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    // ---- blobs ----

    /// <summary>Reads, verifies and returns one blob's plaintext.</summary>
    public async Task<byte[]> LoadBlobAsync(BlobType type, Id id, CancellationToken cancellationToken)
    {
        var locations = Index.LookupAll(type, id);
        if (locations.Count == 0)
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"{type.ToJson()} blob {id} is not in the index: the repository is damaged (try rebuild-index)");
        RepositoryException? last = null;
        foreach (var location in locations)
        {
            try
            {
                if (await CheckClaimedBlobAsync(location.PackId, location.Blob, cancellationToken).ConfigureAwait(false) is { } refused) throw refused;
                var stored = BlobBuffers.Rent((int)Math.Min(location.Blob.Length, Array.MaxLength));
                try
                {
                    var span = stored.AsMemory(0, (int)location.Blob.Length);
                    await Backend.ReadAsync(FileType.Pack, location.PackId.ToString(), location.Blob.Offset, span, cancellationToken).ConfigureAwait(false);
                    return VerifyStoredBlob(location.PackId, location.Blob, span.Span, exact: true, out _);
                }
                finally
                {
                    BlobBuffers.Return(stored);
                }
            }
            catch (RepositoryException e) { last = e; }
            catch (IOException e) when (e is not BackendFileNotFoundException)
            {
                last = new RepositoryException(RepositoryErrorKind.Damaged, $"pack {location.PackId} cannot be read at offset {location.Blob.Offset} ({type.ToJson()} blob {id}): {e.Message}", e);
            }
            catch (BackendFileNotFoundException)
            {
                last = new RepositoryException(RepositoryErrorKind.Damaged, $"pack {location.PackId} is missing: it holds {type.ToJson()} blob {id}");
            }
        }
        throw last!;
    }

    /// <summary>Decrypts, decompresses and verifies a stored blob into <paramref name="plaintext"/> (sized to its plaintext length).</summary>
    public void DecodeBlob(Id packId, in PackedBlob blob, ReadOnlySpan<byte> stored, Span<byte> plaintext)
    {
        if (stored.Length < CryptoKey.Overhead)
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"pack {packId} is damaged: blob {blob.Id} is too short");
        byte[]? rented = null;
        try
        {
            Span<byte> opened = blob.IsCompressed ? (rented = BlobBuffers.Rent(stored.Length - CryptoKey.Overhead)).AsSpan(0, stored.Length - CryptoKey.Overhead) : plaintext;
            OpenBlob(packId, blob, stored, opened);
            VerifyOpenedBlob(packId, blob, opened, plaintext);
        }
        finally
        {
            if (rented is not null) BlobBuffers.Return(rented);
        }
    }

    /// <summary>
    /// As <see cref="DecodeBlob"/>, but decrypts inside <paramref name="stored"/> (which it overwrites): no buffer
    /// for the ciphertext's plaintext. <paramref name="decompressed"/> (the plaintext length) is used only when the
    /// blob is compressed.
    /// </summary>
    public void VerifyBlobInPlace(Id packId, in PackedBlob blob, Span<byte> stored, Span<byte> decompressed)
    {
        if (stored.Length < CryptoKey.Overhead)
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"pack {packId} is damaged: blob {blob.Id} is too short");
        // The ciphertext sits between the 16-byte IV and the MAC; CTR decrypts it onto itself.
        var opened = stored.Slice(16, stored.Length - CryptoKey.Overhead);
        OpenBlob(packId, blob, stored, opened);
        VerifyOpenedBlob(packId, blob, opened, blob.IsCompressed ? decompressed : opened);
    }

    private void OpenBlob(Id packId, in PackedBlob blob, ReadOnlySpan<byte> stored, Span<byte> opened)
    {
        try
        {
            Key.Open(stored, opened);
        }
        catch (CryptoAuthenticationException)
        {
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"pack {packId} is damaged: blob {blob.Id} at offset {blob.Offset} does not verify");
        }
    }

    private static void VerifyOpenedBlob(Id packId, in PackedBlob blob, ReadOnlySpan<byte> opened, Span<byte> plaintext)
    {
        if (blob.IsCompressed)
        {
            try
            {
                int n = Zstd.Decompress(opened, plaintext);
                if (n != plaintext.Length) throw new InvalidDataException($"decompressed to {n} bytes, want {plaintext.Length}");
            }
            catch (InvalidDataException e)
            {
                throw new RepositoryException(RepositoryErrorKind.Damaged, $"pack {packId} is damaged: blob {blob.Id} does not decompress ({e.Message})");
            }
        }
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(plaintext, hash);
        if (new Id(hash) != blob.Id)
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"pack {packId} is damaged: blob {blob.Id} has the wrong content");
    }

    /// <summary>
    /// Stores a blob unless the repository already has it (or another worker is storing it right now).
    /// Compression and encryption run on the calling thread; the pack append is serialized.
    /// Returns true when the blob was new.
    /// </summary>
    public ValueTask<bool> SaveBlobAsync(BlobType type, Id id, ReadOnlyMemory<byte> plaintext, CancellationToken cancellationToken)
    {
        var stored = SaveBlobStoredAsync(type, id, plaintext, cancellationToken);
        return stored.IsCompletedSuccessfully ? new ValueTask<bool>(stored.Result > 0) : Added(stored);

        static async ValueTask<bool> Added(ValueTask<int> stored) => await stored.ConfigureAwait(false) > 0;
    }

    /// <summary>
    /// <see cref="SaveBlobAsync"/> that tells the blob's size in its pack (compressed and sealed, restic's "size in
    /// repo"), or 0 when the blob was not new.
    /// </summary>
    public async ValueTask<int> SaveBlobStoredAsync(BlobType type, Id id, ReadOnlyMemory<byte> plaintext, CancellationToken cancellationToken)
    {
        _uploader.ThrowIfFailed();
        if (!Index.TryAddPending(type, id)) return 0;
        bool compress = Version >= 2 && (type == BlobType.Tree || CompressData) && plaintext.Length > 0;
        // One buffer per blob: the payload (compressed or copied) goes in at offset 16 and is sealed in place,
        // the IV landing in front of it and the MAC behind it.
        byte[] sealedBuffer = BlobBuffers.Rent(CryptoKey.Overhead + (compress ? Zstd.CompressBound(plaintext.Length) : plaintext.Length));
        PackWriter? full = null;
        int sealedLength;
        try
        {
            int payloadLength;
            if (compress)
            {
                payloadLength = Zstd.Compress(plaintext.Span, sealedBuffer.AsSpan(16, sealedBuffer.Length - CryptoKey.Overhead), CompressionLevel);
            }
            else
            {
                plaintext.Span.CopyTo(sealedBuffer.AsSpan(16));
                payloadLength = plaintext.Length;
            }
            sealedLength = payloadLength + CryptoKey.Overhead;
            Key.Seal(sealedBuffer.AsSpan(16, payloadLength), sealedBuffer.AsSpan(0, sealedLength));
            full = AppendSealed(type, id, sealedBuffer.AsSpan(0, sealedLength), compress ? (uint)plaintext.Length : 0);
        }
        finally
        {
            BlobBuffers.Return(sealedBuffer);
        }
        if (full is not null) await FinishPackAsync(full, cancellationToken).ConfigureAwait(false);
        return sealedLength;
    }

    /// <summary>Appends a sealed blob to the open pack of its type; returns that pack when it is now full (to finish), else null.</summary>
    private PackWriter? AppendSealed(BlobType type, Id id, ReadOnlySpan<byte> sealedBlob, uint uncompressedLength)
    {
        var packer = _packers[(int)type];
        lock (packer)
        {
            packer.Writer ??= new PackWriter(Backend.CreateStagingFile(FileType.Pack));
            packer.Writer.Add(type, id, sealedBlob, uncompressedLength);
            if (packer.Writer.Size < Options.PackSize) return null;
            var full = packer.Writer;
            packer.Writer = null;
            return full;
        }
    }

    /// <summary>Closes a full pack and hands it to the uploaders; its blobs enter the index once the backend holds it.</summary>
    private Task FinishPackAsync(PackWriter writer, CancellationToken cancellationToken)
    {
        Id packId;
        try
        {
            packId = writer.Finish(Key);
        }
        catch
        {
            writer.Dispose();
            throw;
        }
        var blobs = writer.Blobs.ToList();
        NoteNewPack(packId, blobs);
        return _uploader.EnqueueAsync(writer, packId, async () =>
        {
            Index.AddPack(packId, blobs);
            bool writeIndex;
            lock (_unsavedLock)
            {
                if (_unsavedPacks.Count == 0) _unsavedSince = Stopwatch.GetTimestamp();
                _unsavedPacks.Add((packId, blobs));
                _unsavedBlobs += blobs.Count;
                // full, or old enough (as restic's index is): an interruption then loses at most that much work
                writeIndex = _unsavedBlobs >= (Version >= 2 ? IndexBlobsV2 : IndexBlobsV1)
                    || Stopwatch.GetElapsedTime(_unsavedSince) >= Options.IndexMaxAge;
            }
            if (writeIndex) await SaveIndexAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <summary>Finishes the open packs and writes the index for everything saved so far.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        foreach (var packer in _packers)
        {
            PackWriter? writer;
            lock (packer) { writer = packer.Writer; packer.Writer = null; }
            if (writer is not null && writer.Count > 0) await FinishPackAsync(writer, cancellationToken).ConfigureAwait(false);
            else writer?.Dispose();
        }
        await _uploader.DrainAsync().ConfigureAwait(false);
        await SaveIndexAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task SaveIndexAsync(CancellationToken cancellationToken)
    {
        IndexFile file;
        lock (_unsavedLock)
        {
            if (_unsavedPacks.Count == 0) return;
            file = new IndexFile();
            file.Packs.AddRange(_unsavedPacks);
            _unsavedPacks.Clear();
            _unsavedBlobs = 0;
        }
        var json = new ArrayBufferWriter<byte>(file.EstimatedJsonLength);
        file.WriteJson(json);
        var id = await SaveUnpackedAsync(FileType.Index, json.WrittenMemory, cancellationToken).ConfigureAwait(false);
        lock (_indexFiles) _indexFiles.Add(id);
    }

    /// <summary>Discards unfinished packs (after a failure) once the uploads under way have ended; what was already saved stays valid.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var packer in _packers)
        {
            lock (packer) { packer.Writer?.Dispose(); packer.Writer = null; }
        }
        await _uploader.AbandonAsync().ConfigureAwait(false);
    }

    private sealed class Packer
    {
        public PackWriter? Writer;
    }
}

/// <summary>Reads an index file's JSON, which is valid only during the call.</summary>
public delegate T IndexJsonParser<out T>(ReadOnlySpan<byte> json);
