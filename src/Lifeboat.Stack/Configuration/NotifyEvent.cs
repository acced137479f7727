namespace Lifeboat.Stack.Configuration;

/// <summary>The events a notify: target can ask for (events: in lifeboat.yaml).</summary>
public enum NotifyEvent
{
    Start,
    Success,
    Warning,
    Failure,
}
