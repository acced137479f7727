namespace Lifeboat.Stack.Configuration;

/// <summary>
/// One item of notify: in lifeboat.yaml: where to send which events. An HTTP target has its URL either in the
/// file (<see cref="Url"/>) or, since a ping URL or topic is a capability, in a private file (<see cref="UrlFile"/>).
/// </summary>
public sealed record NotifyTarget
{
    public required NotifyTargetType Type { get; init; }
    /// <summary>The events it wants; default warning and failure (healthchecks: all four, since it expects the start and success pings).</summary>
    public required IReadOnlySet<NotifyEvent> Events { get; init; }
    public string? Url { get; init; }
    /// <summary>Absolute path of a file (owner-readable only) that holds the URL.</summary>
    public string? UrlFile { get; init; }
    /// <summary>Only for <see cref="NotifyTargetType.Email"/>.</summary>
    public EmailSettings? Email { get; init; }
    /// <summary>The line of the item in lifeboat.yaml.</summary>
    public int Line { get; init; }

    public static readonly IReadOnlySet<NotifyEvent> DefaultEvents = new HashSet<NotifyEvent> { NotifyEvent.Warning, NotifyEvent.Failure };
    public static readonly IReadOnlySet<NotifyEvent> AllEvents = new HashSet<NotifyEvent>(Enum.GetValues<NotifyEvent>());

    /// <summary>The type as lifeboat.yaml spells it.</summary>
    public string TypeName => Type.ToString().ToLowerInvariant();
}
