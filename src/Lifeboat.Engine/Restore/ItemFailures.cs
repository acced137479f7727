namespace Lifeboat.Engine.Restore;

/// <summary>
/// Where every stage reports an item it could not restore: counted in the statistics and told to the observer; the
/// observer hears of the items done through here too.
/// </summary>
internal sealed class ItemFailures(RestoreStatistics statistics, IRestoreObserver? observer)
{
    public void Report(string path, Exception error)
    {
        Interlocked.Increment(ref statistics.Errors);
        observer?.ItemError(path, error);
    }

    public void Done(RestoreItemAction action, string path, long size) => observer?.ItemDone(action, path, size);
}
