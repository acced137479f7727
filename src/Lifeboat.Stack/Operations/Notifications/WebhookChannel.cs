using System.Net.Http.Json;
using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Operations.Notifications;

/// <summary>Any HTTP endpoint: a POST of <see cref="WebhookPayload"/> as JSON per event.</summary>
public sealed class WebhookChannel(string url, IReadOnlySet<NotifyEvent> events, HttpClient client)
    : HttpChannel("webhook", url, events, client)
{
    public const int MaxLogTailBytes = 16 * 1024;

    public override Task SendAsync(JobNotification notification, CancellationToken cancellationToken) =>
        PostAsync(BaseUri, JsonContent.Create(WebhookPayload.From(notification), NotificationJsonContext.Default.WebhookPayload), null, cancellationToken);
}
