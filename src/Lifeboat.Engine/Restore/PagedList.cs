namespace Lifeboat.Engine.Restore;

/// <summary>
/// An append-only list of structs in fixed-size pages, handing out references to its items. Growing never copies
/// the items or holds them twice (a List's doubling would, for a plan of 100,000 files), and a reference stays
/// valid while more items are added.
/// </summary>
internal sealed class PagedList<T>
{
    private const int PageShift = 10, PageSize = 1 << PageShift;
    private T[][] _pages = [];

    public int Count { get; private set; }

    public ref T this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index));
            return ref _pages[index >> PageShift][index & (PageSize - 1)];
        }
    }

    /// <returns>The index of the new item.</returns>
    public int Add(in T item)
    {
        int page = Count >> PageShift;
        if (page == _pages.Length) Array.Resize(ref _pages, Math.Max(8, _pages.Length * 2));
        (_pages[page] ??= new T[PageSize])[Count & (PageSize - 1)] = item;
        return Count++;
    }
}
