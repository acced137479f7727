using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Operations.Notifications;

/// <summary>
/// The daemon's notification sink: the dispatcher of the config in force, replaced when SIGHUP brings a new one. A run
/// that started under the old targets reports its end to the targets of the moment it ends.
/// </summary>
public sealed class ReloadableNotifications(StackConfig config, Action<string> log) : IJobEventSink, IDisposable
{
    private volatile NotificationDispatcher _current = NotificationDispatcher.FromConfig(config, log);

    public void Replace(StackConfig fresh)
    {
        var previous = _current;
        _current = NotificationDispatcher.FromConfig(fresh, log);
        // deliveries in flight on the old dispatcher finish on their own HttpClient; disposing it would cut them
        _ = Task.Delay(TimeSpan.FromMinutes(2)).ContinueWith(_ => previous.Dispose(), TaskScheduler.Default);
    }

    public Task JobStartedAsync(JobRun run, CancellationToken cancellationToken) => _current.JobStartedAsync(run, cancellationToken);

    public Task JobFinishedAsync(JobResult result, CancellationToken cancellationToken) => _current.JobFinishedAsync(result, cancellationToken);

    public void Dispose() => _current.Dispose();
}
