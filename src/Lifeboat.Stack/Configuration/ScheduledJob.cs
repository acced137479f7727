using Cronos;
using Lifeboat.Stack.Operations;

namespace Lifeboat.Stack.Configuration;

/// <summary>One job of schedule:, e.g. backup: "0 3 * * *" or verify: { cron: "0 5 * * 0", apps: [plex] }.</summary>
/// <param name="Kind">Which job.</param>
/// <param name="Cron">The cron expression as written.</param>
/// <param name="Expression">The parsed expression: five fields, or six with seconds first.</param>
/// <param name="Apps">For backup and verify, the apps it covers; empty means every app.</param>
/// <param name="Line">The line of its key, for messages.</param>
public sealed record ScheduledJob(JobKind Kind, string Cron, CronExpression Expression, IReadOnlyList<string> Apps, int Line)
{
    /// <summary>backup, verify, ...: the key in schedule: and the CLI command that runs it.</summary>
    public string Name => Kind.ToString().ToLowerInvariant();

    /// <summary>The job's own options, given to its command before the apps (a restore's --snapshot, --path, --target); none for schedule:'s jobs.</summary>
    public IReadOnlyList<string> Options { get; init; } = [];

    /// <summary>
    /// The first due time strictly after <paramref name="after"/>, in <paramref name="zone"/>'s wall clock: a time that a
    /// spring-forward skips runs once just after the gap, and one that autumn repeats runs once (Cronos's rules).
    /// </summary>
    public DateTimeOffset? NextAfter(DateTimeOffset after, TimeZoneInfo zone) => Expression.GetNextOccurrence(after, zone, inclusive: false);

    /// <summary>The name with its apps, for log lines: "backup", "backup plex,jellyfin".</summary>
    public string Label => Apps.Count == 0 ? Name : $"{Name} {string.Join(',', Apps)}";
}
