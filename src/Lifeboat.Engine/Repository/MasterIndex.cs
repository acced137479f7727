namespace Lifeboat.Engine.Repository;

/// <summary>
/// Every blob of every index file, merged: an open-addressing hash table over an array of fixed-size
/// entries, about 60 bytes per blob. A blob may be listed in several packs; all are kept. The entries live in
/// fixed-size pages, so growing never copies the whole table or holds it twice (a peak-memory spike while a
/// large index loads).
/// Thread-safe: backup adds entries while its workers look blobs up.
/// Read-only to everything but <see cref="Repository"/>: only the repository adds to it (loading index files, saving
/// packs, adopting a rebuilt index), so the index always describes what the repository holds.
/// </summary>
public sealed class MasterIndex
{
    private readonly Lock _lock = new();
    private readonly List<Id> _packs = [];
    private readonly Dictionary<Id, int> _packNumbers = [];
    private const int PageShift = 13, PageSize = 1 << PageShift; // 8192 entries, ~450 KiB a page
    private IndexEntry[][] _pages = [];
    private int _count;
    private int[] _buckets = new int[2048]; // entry number + 1; 0 is empty
    private readonly Dictionary<(Id, BlobType), bool> _pending = [];

    public int Count { get { lock (_lock) return _count; } }
    public int PackCount { get { lock (_lock) return _packs.Count; } }

    public IReadOnlyList<Id> Packs { get { lock (_lock) return _packs.ToArray(); } }

    private int PackNumber(Id packId)
    {
        if (_packNumbers.TryGetValue(packId, out int n)) return n;
        n = _packs.Count;
        _packs.Add(packId);
        _packNumbers.Add(packId, n);
        return n;
    }

    private ref IndexEntry Entry(int number) => ref _pages[number >> PageShift][number & (PageSize - 1)];

    private static int Hash(Id id, BlobType type) => (int)(id.Prefix64 >> 32) ^ (int)type;

    /// <summary>Adds every blob of a pack. A blob already listed for the same pack is not listed twice.</summary>
    internal void AddPack(Id packId, IEnumerable<PackedBlob> blobs)
    {
        lock (_lock)
        {
            int pack = PackNumber(packId);
            foreach (var b in blobs)
            {
                if (FindInPack(b.Id, b.Type, pack)) continue;
                if (_count == _pages.Length * PageSize)
                {
                    Array.Resize(ref _pages, _pages.Length + 1);
                    _pages[^1] = new IndexEntry[PageSize];
                }
                Entry(_count) = new IndexEntry(b.Id, b.Type, pack, b.Offset, b.Length, b.UncompressedLength);
                _count++;
                if (_count * 2 > _buckets.Length) Rehash(_buckets.Length * 2);
                else Insert(_count - 1);
                _pending.Remove((b.Id, b.Type));
            }
        }
    }

    /// <summary>Forgets every entry and pack (before a rebuilt index takes the place of the loaded one).</summary>
    internal void Clear()
    {
        lock (_lock)
        {
            _packs.Clear();
            _packNumbers.Clear();
            _pages = [];
            _count = 0;
            _buckets = new int[2048];
            _pending.Clear();
        }
    }

    private bool FindInPack(Id id, BlobType type, int pack)
    {
        int mask = _buckets.Length - 1;
        for (int i = Hash(id, type) & mask; _buckets[i] != 0; i = (i + 1) & mask)
        {
            ref readonly var e = ref Entry(_buckets[i] - 1);
            if (e.PackIndex == pack && e.Type == type && e.BlobId == id) return true;
        }
        return false;
    }

    private void Insert(int entry)
    {
        int mask = _buckets.Length - 1;
        ref readonly var e = ref Entry(entry);
        int i = Hash(e.BlobId, e.Type) & mask;
        while (_buckets[i] != 0) i = (i + 1) & mask;
        _buckets[i] = entry + 1;
    }

    private void Rehash(int size)
    {
        _buckets = new int[size];
        for (int e = 0; e < _count; e++) Insert(e);
    }

    public bool Has(BlobType type, Id id)
    {
        lock (_lock) return IndexOf(type, id) >= 0;
    }

    /// <summary>
    /// The number of the blob's first entry (0 to <see cref="Count"/> - 1, in the order entries were added), or -1:
    /// lets a caller keep per-blob state in an array (check's bitmap of used blobs) instead of a set of IDs.
    /// </summary>
    public int Find(BlobType type, Id id)
    {
        // Linear probing meets a key's entries in the order they were inserted, so this is the first one added.
        lock (_lock) return IndexOf(type, id);
    }

    /// <summary>Entry <paramref name="entry"/> (see <see cref="Find"/>) as its index file listed it.</summary>
    public PackedBlob BlobAt(int entry)
    {
        lock (_lock)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(entry);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(entry, _count);
            ref readonly var e = ref Entry(entry);
            return new PackedBlob(e.BlobId, e.Type, e.Offset, e.Length, e.UncompressedLength);
        }
    }

    /// <summary>
    /// Entry <paramref name="entry"/> (see <see cref="Find"/>): the number of its pack in <see cref="Packs"/> and the blob
    /// as its index file listed it. Lets prune go through the index by entry number, keeping per-blob state in bitmaps,
    /// instead of copying the index.
    /// </summary>
    internal (int Pack, PackedBlob Blob) EntryAt(int entry)
    {
        lock (_lock)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(entry);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(entry, _count);
            ref readonly var e = ref Entry(entry);
            return (e.PackIndex, new PackedBlob(e.BlobId, e.Type, e.Offset, e.Length, e.UncompressedLength));
        }
    }

    private int IndexOf(BlobType type, Id id)
    {
        int mask = _buckets.Length - 1;
        for (int i = Hash(id, type) & mask; _buckets[i] != 0; i = (i + 1) & mask)
        {
            int e = _buckets[i] - 1;
            ref readonly var entry = ref Entry(e);
            if (entry.Type == type && entry.BlobId == id) return e;
        }
        return -1;
    }

    /// <summary>
    /// Reserves a blob for saving: false when it is already indexed or another worker is saving it,
    /// so that each blob is stored once even when several files hold it.
    /// </summary>
    internal bool TryAddPending(BlobType type, Id id)
    {
        lock (_lock)
        {
            if (IndexOf(type, id) >= 0) return false;
            return _pending.TryAdd((id, type), true);
        }
    }

    public bool TryLookup(BlobType type, Id id, out BlobLocation location)
    {
        lock (_lock)
        {
            int e = IndexOf(type, id);
            if (e < 0) { location = default; return false; }
            location = ToLocation(Entry(e));
            return true;
        }
    }

    /// <summary>Every pack that holds the blob (usually one).</summary>
    public List<BlobLocation> LookupAll(BlobType type, Id id)
    {
        var result = new List<BlobLocation>(1);
        lock (_lock)
        {
            int mask = _buckets.Length - 1;
            for (int i = Hash(id, type) & mask; _buckets[i] != 0; i = (i + 1) & mask)
            {
                ref readonly var e = ref Entry(_buckets[i] - 1);
                if (e.Type == type && e.BlobId == id) result.Add(ToLocation(e));
            }
        }
        return result;
    }

    private BlobLocation ToLocation(in IndexEntry e) =>
        new(_packs[e.PackIndex], new PackedBlob(e.BlobId, e.Type, e.Offset, e.Length, e.UncompressedLength));

    /// <summary>The packs that hold at least one blob of <paramref name="type"/> (the local cache keeps tree packs).</summary>
    public HashSet<Id> PacksWith(BlobType type)
    {
        lock (_lock)
        {
            var numbers = new HashSet<int>();
            for (int i = 0; i < _count; i++)
            {
                ref readonly var e = ref Entry(i);
                if (e.Type == type) numbers.Add(e.PackIndex);
            }
            var packs = new HashSet<Id>(numbers.Count);
            foreach (int n in numbers) packs.Add(_packs[n]);
            return packs;
        }
    }

    /// <summary>
    /// The packs the index lists and their total size (each pack's blobs and its header, as <see cref="PackHeader.PackSize"/>
    /// computes it), without copying the entries: for metrics, after every backup of a large repository.
    /// </summary>
    public (int Packs, long Bytes) PackTotals()
    {
        lock (_lock)
        {
            long bytes = (long)_packs.Count * (Crypto.CryptoKey.Overhead + 4);
            for (int i = 0; i < _count; i++)
            {
                ref readonly var e = ref Entry(i);
                bytes += e.Length + (e.IsCompressed ? PackHeader.CompressedEntrySize : PackHeader.PlainEntrySize);
            }
            return (_packs.Count, bytes);
        }
    }

    /// <summary>A snapshot of all entries, grouped by pack, for check, list and stats.</summary>
    public IEnumerable<(Id PackId, PackedBlob Blob)> All()
    {
        List<(Id, PackedBlob)> copy;
        lock (_lock)
        {
            copy = new List<(Id, PackedBlob)>(_count);
            for (int i = 0; i < _count; i++) {
                ref readonly var e = ref Entry(i);
                copy.Add((_packs[e.PackIndex], ToLocation(e).Blob));
            }
        }
        return copy;
    }
}
