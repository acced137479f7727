using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Operations.Notifications;

/// <summary>
/// The notify: targets of a stack as one event sink: each job event goes to every channel that wants it, all at
/// once. A delivery is tried <see cref="NotificationPolicy.Attempts"/> times with backoff, then given up with one
/// line to <c>log</c> naming the target's type and host. It never throws into the job, nor holds it up for longer
/// than the policy allows: the start is awaited for at most <see cref="NotificationPolicy.StartWait"/> (it goes on in
/// the background, and the end of the run waits for it so that a receiver never sees the end before the start);
/// the end for at most one delivery's time. The job's cancellation token is not passed on: a job stopped by a signal
/// still reports its end.
/// </summary>
public sealed class NotificationDispatcher : IJobEventSink, IDisposable
{
    private readonly IReadOnlyList<INotificationChannel> _channels;
    private readonly string _host;
    private readonly NotificationPolicy _policy;
    private readonly Action<string> _log;
    private readonly HttpClient? _client;
    private readonly Dictionary<Guid, Task> _pendingStarts = [];

    public NotificationDispatcher(IReadOnlyList<INotificationChannel> channels, string host, Action<string> log, NotificationPolicy? policy = null, HttpClient? ownedClient = null)
    {
        _channels = channels;
        _host = host;
        _log = log;
        _policy = policy ?? new NotificationPolicy();
        _client = ownedClient;
    }

    public IReadOnlyList<INotificationChannel> Channels => _channels;

    /// <summary>
    /// The dispatcher for a stack's notify: targets. A target that cannot be built (its url-file or password-file
    /// unreadable, or readable by others) is left out with a line to <paramref name="log"/>; the others still work.
    /// </summary>
    public static NotificationDispatcher FromConfig(StackConfig config, Action<string> log, NotificationPolicy? policy = null)
    {
        policy ??= new NotificationPolicy();
        var client = new HttpClient(new SocketsHttpHandler { ConnectTimeout = policy.AttemptTimeout, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = Timeout.InfiniteTimeSpan, // each attempt has its own
        };
        client.DefaultRequestHeaders.UserAgent.ParseAdd("lifeboat");
        var channels = new List<INotificationChannel>();
        foreach (var target in config.Notify)
        {
            try
            {
                channels.Add(NotificationChannels.Create(target, client));
            }
            catch (StackException e)
            {
                log($"notify: the {target.TypeName} target of {config.File} line {target.Line} is left out: {e.Message}");
            }
        }
        return new NotificationDispatcher(channels, config.Host, log, policy, client);
    }

    public async Task JobStartedAsync(JobRun run, CancellationToken cancellationToken)
    {
        var delivery = DeliverAsync(JobNotification.Started(run, _host));
        if (delivery.IsCompleted) return;
        lock (_pendingStarts) _pendingStarts[run.Id] = delivery;
        await Task.WhenAny(delivery, Task.Delay(_policy.StartWait, CancellationToken.None)).ConfigureAwait(false);
    }

    public async Task JobFinishedAsync(JobResult result, CancellationToken cancellationToken)
    {
        Task? start;
        lock (_pendingStarts) _pendingStarts.Remove(result.Run.Id, out start);
        if (start is not null) await start.ConfigureAwait(false);
        await DeliverAsync(JobNotification.Finished(result, _host)).ConfigureAwait(false);
    }

    /// <summary>Sends to every channel that wants the event; completes when each has been delivered or given up.</summary>
    private Task DeliverAsync(JobNotification notification)
    {
        var deliveries = _channels.Where(c => c.Events.Contains(notification.Event)).Select(c => DeliverAsync(c, notification)).ToList();
        return deliveries.Count == 0 ? Task.CompletedTask : Task.WhenAll(deliveries);
    }

    private async Task DeliverAsync(INotificationChannel channel, JobNotification notification)
    {
        string problem = "";
        int attempt = 0;
        while (++attempt <= _policy.Attempts)
        {
            using var timeout = new CancellationTokenSource(_policy.AttemptTimeout);
            try
            {
                await channel.SendAsync(notification, timeout.Token).ConfigureAwait(false);
                return;
            }
            catch (NotificationRejectedException e)
            {
                problem = e.Message;
                break;
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                problem = $"no answer within {_policy.AttemptTimeout.TotalSeconds:0.#} s";
            }
            catch (Exception e)
            {
                // whatever a receiver or the network does, the job goes on
                problem = e.InnerException is { } inner && e is HttpRequestException ? $"{e.Message} ({inner.Message})" : e.Message;
            }
            if (attempt < _policy.Attempts)
                await Task.Delay(_policy.Backoff * (1 << (attempt - 1)), CancellationToken.None).ConfigureAwait(false);
        }
        var tries = attempt > _policy.Attempts ? $"after {_policy.Attempts} attempts" : $"on attempt {attempt}";
        try
        {
            _log($"notify: could not send the {notification.EventName} of the {notification.Run.Name} run to {channel.Description} {tries}: {problem}");
        }
        catch (Exception)
        {
            // a log callback that throws must not reach the job either
        }
    }

    public void Dispose() => _client?.Dispose();
}
