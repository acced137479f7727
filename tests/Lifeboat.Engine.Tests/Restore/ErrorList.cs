using Lifeboat.Engine.Restore;

namespace Lifeboat.Engine.Tests.Restore;

/// <summary>Collects what a restore reports as "path: message".</summary>
internal sealed class ErrorList : IRestoreObserver
{
    public List<string> Errors { get; } = [];

    public void ItemError(string path, Exception error)
    {
        lock (Errors) Errors.Add($"{path}: {error.Message}");
    }
}
