namespace Lifeboat.Engine.Maintenance;

/// <summary>
/// Caps the garbage a long walk keeps resident. The collector lets the young generations grow to a budget sized
/// from the CPU's cache (tens of megabytes here) before collecting them, and all of it counts in peak RSS; check's
/// tree walk and pack reads allocate hundreds of megabytes of short-lived objects, nearly none of which survive.
/// Collecting them after every few megabytes keeps that part small (measured at the benchmark's scale 1: check
/// --read-data 78-84 -> 74-76 MB peak RSS, for about 40 ms more collection time).
/// Young collections alone were not enough on a Plex-shaped tree (100,000 files in 74,000 directories): what is in
/// flight when they run (trees being loaded and checked) is promoted, and the old generation filled with it, dead,
/// up to 240-360 MB peak RSS against 90 MB with a gen0 budget of 2 or 8 MB instead of 4. So a full collection runs
/// too, each time the command has allocated as much again as the heap held after the last one (at least
/// <see cref="MinFullBudget"/>): the dead part of the old generation stays at most about the size of the live part,
/// and each full collection's cost (proportional to what is live) is paid once per that much allocation.
/// </summary>
internal sealed class GarbagePacer
{
    private const long Budget = 4 << 20;
    internal const long MinFullBudget = 32 << 20;
    private readonly Lock _lock = new();
    private long _next = GC.GetTotalAllocatedBytes() + Budget;
    private long _nextFull = GC.GetTotalAllocatedBytes() + MinFullBudget;

    /// <summary>Full collections made so far (for tests).</summary>
    internal int FullCollections { get; private set; }

    /// <summary>Call between units of work (a tree, a pack); thread-safe.</summary>
    public void Tick()
    {
        long allocated = GC.GetTotalAllocatedBytes();
        if (allocated < Interlocked.Read(ref _next)) return;
        lock (_lock)
        {
            if (allocated < _next) return;
            if (allocated >= _nextFull)
            {
                GC.Collect(2, GCCollectionMode.Forced, blocking: true);
                FullCollections++;
                _nextFull = GC.GetTotalAllocatedBytes() + Math.Max(MinFullBudget, GC.GetTotalMemory(forceFullCollection: false));
            }
            else GC.Collect(1, GCCollectionMode.Forced, blocking: true);
            Interlocked.Exchange(ref _next, GC.GetTotalAllocatedBytes() + Budget);
        }
    }
}
