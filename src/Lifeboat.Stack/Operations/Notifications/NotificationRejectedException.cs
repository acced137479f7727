namespace Lifeboat.Stack.Operations.Notifications;

/// <summary>A receiver refused a notification for good (HTTP 4xx, SMTP 5xx): it is not tried again.</summary>
public sealed class NotificationRejectedException(string message) : Exception(message);
