namespace Lifeboat.Cli;

/// <summary>
/// What a one-shot job does once its run is recorded (<see cref="NotifyOption.RunAsync"/>): --metrics-file is written
/// then, so the file holds this run's own end (outcome, duration) and is written even when the run failed.
/// </summary>
public sealed class JobCompletion
{
    private readonly List<Action> _afterRecorded = [];

    /// <summary>
    /// The lifeboat.yaml the recording read (null: restic mode), so the command's body does not read and parse it again;
    /// unset when it was not read (or could not be: the body then reports why).
    /// </summary>
    public (Stack.Configuration.StackConfig? Config, bool Known) StackConfig { get; internal set; }

    /// <summary>Runs <paramref name="action"/> after the run has ended and been recorded, whatever its exit code.</summary>
    public void AfterRecorded(Action action) => _afterRecorded.Add(action);

    internal void Complete()
    {
        foreach (var action in _afterRecorded) action();
        _afterRecorded.Clear();
    }
}
