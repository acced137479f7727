namespace Lifeboat.Engine.Restore;

public interface IRestoreObserver
{
    /// <summary>An item could not be restored (or its content did not verify); the restore goes on and fails at the end.</summary>
    void ItemError(string path, Exception error);

    /// <summary>
    /// An item the restore decided on or finished (restic's verbose lines): restored files and the other items when
    /// complete, updated, unchanged and deleted ones as decided. Called from several threads at once.
    /// </summary>
    void ItemDone(RestoreItemAction action, string path, long size) { }
}
