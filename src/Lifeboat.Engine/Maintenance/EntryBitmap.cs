namespace Lifeboat.Engine.Maintenance;

/// <summary>
/// One bit per entry of the in-memory index (entry numbers as <see cref="Repository.MasterIndex.Find"/> gives them): a
/// set of blobs at an eighth of a byte each, where a set of blob IDs costs about 50 bytes each.
/// </summary>
internal sealed class EntryBitmap(int entries)
{
    private readonly ulong[] _words = new ulong[(entries + 63) / 64];

    public int Capacity { get; } = entries;

    /// <summary>Sets the entry's bit; true when it was not set.</summary>
    public bool Add(int entry)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(entry);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(entry, Capacity);
        ref ulong word = ref _words[entry >> 6];
        ulong bit = 1UL << (entry & 63);
        if ((word & bit) != 0) return false;
        word |= bit;
        return true;
    }

    public bool Contains(int entry) => entry >= 0 && entry < Capacity && (_words[entry >> 6] & (1UL << (entry & 63))) != 0;
}
