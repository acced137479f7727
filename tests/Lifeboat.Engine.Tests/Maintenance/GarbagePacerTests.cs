using Lifeboat.Engine.Maintenance;

namespace Lifeboat.Engine.Tests.Maintenance;

/// <summary>
/// The pacer that keeps check's dead objects from piling up: besides its frequent young collections it collects the old
/// generation too, once the command has allocated about as much again as the heap held (at least 32 MiB), so what dies
/// after being promoted is handed back instead of staying resident to the end of the command.
/// </summary>
public sealed class GarbagePacerTests
{
    [Fact]
    public void A_long_walk_gets_full_collections_as_it_allocates()
    {
        var pacer = new GarbagePacer();
        int fullBefore = GC.CollectionCount(2);
        var recent = new byte[64][];
        // 3 x the minimum budget of short-lived 32 KiB objects, a few dozen alive at a time as in a tree walk
        for (int i = 0; i < 3 * (int)(GarbagePacer.MinFullBudget / (32 << 10)); i++)
        {
            recent[i % recent.Length] = new byte[32 << 10];
            pacer.Tick();
        }
        GC.KeepAlive(recent);
        Assert.InRange(pacer.FullCollections, 1, int.MaxValue);
        Assert.True(GC.CollectionCount(2) > fullBefore);
    }
}
