using System.Text;
using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Operations.Notifications;

/// <summary>
/// healthchecks.io-style pings: URL/start when a run starts, URL on success, URL/fail on a failure, each with the
/// run's id as rid (so Healthchecks pairs a start with its end and measures the run). A warning (a partial backup,
/// doctor warnings) goes to URL/fail as well, its body beginning with "WARNING:": Healthchecks knows no third state,
/// and a success ping would keep the check green while files are missing from the backup. The body is the summary
/// and the log tail, kept to <see cref="MaxBodyBytes"/> (Healthchecks keeps 100 KB).
/// </summary>
public sealed class HealthchecksChannel(string url, IReadOnlySet<NotifyEvent> events, HttpClient client)
    : HttpChannel("healthchecks", url, events, client)
{
    public const int MaxBodyBytes = 10 * 1024;

    public override Task SendAsync(JobNotification notification, CancellationToken cancellationToken)
    {
        var suffix = notification.Event switch
        {
            NotifyEvent.Start => "/start",
            NotifyEvent.Success => "",
            _ => "/fail",
        };
        var body = notification.Event switch
        {
            NotifyEvent.Warning => "WARNING: " + notification.Text(MaxBodyBytes - 9),
            NotifyEvent.Failure => "FAILURE: " + notification.Text(MaxBodyBytes - 9),
            _ => notification.Text(MaxBodyBytes),
        };
        var content = new StringContent(body, Encoding.UTF8, "text/plain");
        return PostAsync(WithSuffix(suffix, $"rid={notification.Run.Id:D}"), content, null, cancellationToken);
    }
}
