namespace Lifeboat.Engine;

/// <summary>
/// The buffers that hold chunks and blobs (up to 8 MiB plus framing). Not ArrayPool.Shared: that pool keeps an
/// array per thread and several per core for every size, so a backup's thread pool ends up holding many idle
/// multi-megabyte arrays. Nor a pool that keeps a few arrays of every size: chunks vary from 512 KiB to 8 MiB, so
/// such a pool fills every size class over a run and holds tens of megabytes idle (measured: most of the large
/// object heap at a backup's or restore's peak). This one keeps idle arrays only up to a total byte budget,
/// shared by all sizes and threads; beyond it a returned array is left to the garbage collector.
/// </summary>
public static class BlobBuffers
{
    // the largest blob (8 MiB chunk) compressed-bound plus crypto overhead, and the restorer's 4 MiB coalesced reads
    private const int MaxLength = 16 * 1024 * 1024;
    private const int MinClassShift = 12; // 4 KiB
    private const int MaxClassShift = 24; // 16 MiB
    // Enough idle buffers for the steady state of a few workers with ~1 MiB chunks; a larger budget only keeps
    // arrays for the rare big chunk alive. Measured on a first backup of bench/run's scale-0.5 tree: a 32 MiB budget
    // peaked at 107 MB, 16 MiB at 94 MB, 8 MiB at 88 MB, with no difference in time beyond the runs' spread.
    private const long IdleBudget = 8 * 1024 * 1024;

    private static readonly Lock s_lock = new();
    private static readonly Stack<byte[]>[] s_idle = CreateClasses();
    private static long s_idleBytes;

    private static Stack<byte[]>[] CreateClasses()
    {
        var classes = new Stack<byte[]>[MaxClassShift - MinClassShift + 1];
        for (int i = 0; i < classes.Length; i++) classes[i] = new Stack<byte[]>();
        return classes;
    }

    /// <summary>The size class (a power of two) an array for <paramref name="length"/> bytes comes from; -1 above the largest.</summary>
    private static int ClassOf(int length)
    {
        if (length > MaxLength) return -1;
        int shift = Math.Max(MinClassShift, 32 - int.LeadingZeroCount(Math.Max(length, 1) - 1));
        return shift - MinClassShift;
    }

    /// <summary>An array of at least <paramref name="minimumLength"/> bytes, not cleared.</summary>
    public static byte[] Rent(int minimumLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minimumLength);
        int c = ClassOf(minimumLength);
        if (c < 0) return GC.AllocateUninitializedArray<byte>(minimumLength);
        lock (s_lock)
        {
            if (s_idle[c].TryPop(out var idle))
            {
                s_idleBytes -= idle.Length;
                return idle;
            }
        }
        return GC.AllocateUninitializedArray<byte>(1 << (c + MinClassShift));
    }

    /// <summary>Gives an array from <see cref="Rent"/> back; it may be kept for the next caller or dropped.</summary>
    public static void Return(byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        int c = ClassOf(buffer.Length);
        if (c < 0 || buffer.Length != 1 << (c + MinClassShift)) return; // not one of ours (or too large to keep)
        lock (s_lock)
        {
            if (s_idleBytes + buffer.Length > IdleBudget) return;
            s_idle[c].Push(buffer);
            s_idleBytes += buffer.Length;
        }
    }
}
