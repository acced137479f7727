namespace Lifeboat.Engine.Restore;

public interface IRestoreObserver
{
    /// <summary>An item could not be restored (or its content did not verify); the restore goes on and fails at the end.</summary>
    void ItemError(string path, Exception error);
}
