using System.Text;
using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Operations.Notifications;

/// <summary>
/// An ntfy topic: a POST to the topic URL with a short message, its Title, a Priority by event (failure high, warning
/// default, success low, start min) and Tags (an emoji for the event, then the job's name).
/// </summary>
public sealed class NtfyChannel(string url, IReadOnlySet<NotifyEvent> events, HttpClient client)
    : HttpChannel("ntfy", url, events, client)
{
    /// <summary>ntfy turns a longer message into an attachment; a phone shows a few lines anyway.</summary>
    public const int MaxBodyBytes = 2048;

    public static string Priority(NotifyEvent e) => e switch
    {
        NotifyEvent.Failure => "high",
        NotifyEvent.Warning => "default",
        NotifyEvent.Success => "low",
        _ => "min",
    };

    public static string Tag(NotifyEvent e) => e switch
    {
        NotifyEvent.Failure => "rotating_light",
        NotifyEvent.Warning => "warning",
        NotifyEvent.Success => "white_check_mark",
        _ => "arrow_forward",
    };

    public override Task SendAsync(JobNotification notification, CancellationToken cancellationToken)
    {
        var content = new StringContent(notification.Text(MaxBodyBytes), Encoding.UTF8, "text/plain");
        return PostAsync(BaseUri, content, headers =>
        {
            headers.Add("Title", notification.Title);
            headers.Add("Priority", Priority(notification.Event));
            headers.Add("Tags", $"{Tag(notification.Event)},{notification.Run.Name}");
        }, cancellationToken);
    }
}
