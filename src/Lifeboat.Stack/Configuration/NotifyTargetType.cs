namespace Lifeboat.Stack.Configuration;

/// <summary>The kinds of notify: target (type: in lifeboat.yaml).</summary>
public enum NotifyTargetType
{
    /// <summary>healthchecks.io or a self-hosted Healthchecks: pings to URL/start, URL, URL/fail.</summary>
    Healthchecks,
    /// <summary>An ntfy topic URL: a short message with title, priority and tags.</summary>
    Ntfy,
    /// <summary>Any HTTP endpoint: a JSON document per event.</summary>
    Webhook,
    /// <summary>A mail over SMTP.</summary>
    Email,
}
