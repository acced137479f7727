using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Operations.Notifications;

/// <summary>One notify: target, ready to send.</summary>
public interface INotificationChannel
{
    /// <summary>The type and host only ("ntfy ntfy.sh"): what a log line may show; never a URL's path, token or password.</summary>
    string Description { get; }

    /// <summary>The events this target wants.</summary>
    IReadOnlySet<NotifyEvent> Events { get; }

    /// <summary>One attempt to deliver; throws on any failure (<see cref="NotificationRejectedException"/> when trying again cannot help).</summary>
    Task SendAsync(JobNotification notification, CancellationToken cancellationToken);
}
