namespace Lifeboat.Stack.Operations.Notifications;

/// <summary>
/// The JSON body a webhook receives, documented in the README (snake_case keys). Fields of the end
/// (outcome, exit_code, finished, duration_seconds) are null in a start event.
/// </summary>
public sealed record WebhookPayload(
    string Event,
    string Job,
    IReadOnlyList<string> Apps,
    string Trigger,
    string RunId,
    string Host,
    string? Outcome,
    int? ExitCode,
    DateTimeOffset Started,
    DateTimeOffset? Finished,
    double? DurationSeconds,
    string Summary,
    string LogTail)
{
    public static WebhookPayload From(JobNotification n) => new(
        n.EventName,
        n.Run.Name,
        n.Run.Apps,
        n.Run.Trigger,
        n.Run.Id.ToString("D"),
        n.Host,
        n.Result?.Outcome.ToString().ToLowerInvariant(),
        n.Result?.ExitCode,
        n.Run.StartedAt,
        n.Result?.FinishedAt,
        n.Result is { } r ? Math.Round(r.Duration.TotalSeconds, 3) : null,
        n.Summary,
        LogTailText.Last(n.LogTail, WebhookChannel.MaxLogTailBytes));
}
