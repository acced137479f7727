using Lifeboat.Engine.Restore;

namespace Lifeboat.Stack.Verification;

/// <summary>Where a running restore test is, for a live status line: read from another thread, a few times a second.</summary>
public sealed class RestoreTestProgress
{
    private RestoreStatistics? _restore;
    private long _checked;

    public string App { get; private set; } = "";
    public RestoreTestPhase Phase { get; private set; }
    /// <summary>Files to restore (of the whole snapshot, or of the sample), and their bytes.</summary>
    public long Files { get; private set; }
    public long Bytes { get; private set; }
    /// <summary>Items (files, directories, links) to check after the restore.</summary>
    public long Items { get; private set; }

    public long FilesRestored => Phase == RestoreTestPhase.Restoring ? Interlocked.Read(ref _restore!.FilesDone) : Files;
    public long BytesRestored => Phase == RestoreTestPhase.Restoring ? Interlocked.Read(ref _restore!.BytesDone) : Bytes;
    public long ItemsChecked => Interlocked.Read(ref _checked);

    internal void Start(string app) => (App, Phase) = (app, RestoreTestPhase.Starting);

    internal void Restoring(string app, long files, long bytes, long items, RestoreStatistics statistics)
    {
        (App, Files, Bytes, Items, _restore) = (app, files, bytes, items, statistics);
        Interlocked.Exchange(ref _checked, 0);
        Phase = RestoreTestPhase.Restoring;
    }

    internal void Enter(RestoreTestPhase phase) => Phase = phase;

    internal void ItemChecked() => Interlocked.Increment(ref _checked);
}
