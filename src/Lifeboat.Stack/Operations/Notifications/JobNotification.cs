using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Operations.Notifications;

/// <summary>One event of one job run as every channel receives it: the start (no <see cref="Result"/>) or the end.</summary>
/// <param name="Event">start, success, warning or failure.</param>
/// <param name="Run">The run.</param>
/// <param name="Result">How it ended; null for the start.</param>
/// <param name="Host">The stack's host name (host: in lifeboat.yaml), so that a message says which machine.</param>
public sealed record JobNotification(NotifyEvent Event, JobRun Run, JobResult? Result, string Host)
{
    public static JobNotification Started(JobRun run, string host) => new(NotifyEvent.Start, run, null, host);

    public static JobNotification Finished(JobResult result, string host) => new(result.Outcome switch
    {
        JobOutcome.Success => NotifyEvent.Success,
        JobOutcome.Warning => NotifyEvent.Warning,
        _ => NotifyEvent.Failure,
    }, result.Run, result, host);

    /// <summary>The event as lifeboat.yaml spells it: start, success, warning, failure.</summary>
    public string EventName => Event.ToString().ToLowerInvariant();

    /// <summary>"backup of plex, sonarr" or "backup" (every app).</summary>
    public string JobTitle => Run.Apps.Count == 0 ? Run.Name : $"{Run.Name} of {string.Join(", ", Run.Apps)}";

    /// <summary>One line for a title or subject: "lifeboat backup on media-vm: failure".</summary>
    public string Title => $"lifeboat {JobTitle} on {Host}: {(Event == NotifyEvent.Start ? "started" : EventName)}";

    /// <summary>The summary of the end, or a line saying the run started.</summary>
    public string Summary => Result?.Summary ?? $"{JobTitle} started ({Run.Trigger}) at {Run.StartedAt:yyyy-MM-dd HH:mm:ss zzz}";

    /// <summary>The log tail of the end; empty for the start.</summary>
    public string LogTail => Result?.LogTail ?? "";

    /// <summary>The summary, then the log tail's last <paramref name="maxBytes"/> bytes of UTF-8.</summary>
    public string Text(int maxBytes)
    {
        var text = LogTail.Length == 0 ? Summary : $"{Summary}\n\n{LogTail.TrimEnd()}";
        return LogTailText.Last(text, maxBytes);
    }
}
