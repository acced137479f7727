namespace Lifeboat.Engine.Backup;

/// <summary>What the archiver tells its caller besides the counters: items it could not read.</summary>
public interface IBackupObserver
{
    /// <summary>An item was skipped because it could not be read; the backup goes on (and ends with exit code 3).</summary>
    void ItemError(string path, string during, Exception error);
}
