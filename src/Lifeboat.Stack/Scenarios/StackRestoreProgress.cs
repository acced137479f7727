using Lifeboat.Engine.Restore;

namespace Lifeboat.Stack.Scenarios;

/// <summary>Where a stack restore in place is, for a live progress line: set by the restore, read from any thread.</summary>
public sealed class StackRestoreProgress
{
    private RestoreStatistics? _current;
    private long _filesBefore, _bytesBefore, _totalFilesBefore, _totalBytesBefore;
    private Func<int>? _placed;

    public string App { get; private set; } = "";
    public StackRestorePhase Phase { get; private set; }

    /// <summary>Files and bytes restored into the staging directories, and the totals of the paths planned so far.</summary>
    public long FilesRestored => _filesBefore + (_current is { } s ? Interlocked.Read(ref s.FilesDone) : 0);
    public long BytesRestored => _bytesBefore + (_current is { } s ? Interlocked.Read(ref s.BytesDone) : 0);
    public long Files => _totalFilesBefore + (_current is { } s ? Interlocked.Read(ref s.TotalFiles) : 0);
    public long Bytes => _totalBytesBefore + (_current is { } s ? Interlocked.Read(ref s.TotalBytes) : 0);
    /// <summary>Items renamed into place so far (of about <see cref="Files"/>).</summary>
    public long ItemsPlaced => _placed?.Invoke() ?? 0;

    internal void Start(string app)
    {
        (_current, _placed, _filesBefore, _bytesBefore, _totalFilesBefore, _totalBytesBefore) = (null, null, 0, 0, 0, 0);
        App = app;
        Phase = StackRestorePhase.Restoring;
    }

    /// <summary>The next of the app's paths is restored with these counters (those of the paths before are kept).</summary>
    internal void Restoring(RestoreStatistics statistics)
    {
        if (_current is { } done)
        {
            _filesBefore += done.FilesDone;
            _bytesBefore += done.BytesDone;
            _totalFilesBefore += done.TotalFiles;
            _totalBytesBefore += done.TotalBytes;
        }
        _current = statistics;
    }

    internal void Placing(Func<int> placed)
    {
        _placed = placed;
        Phase = StackRestorePhase.Placing;
    }

    internal void Enter(StackRestorePhase phase) => Phase = phase;
}
