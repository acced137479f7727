using System.Globalization;
using System.Text.RegularExpressions;
using Cronos;
using Lifeboat.Stack.Operations;
using YamlDotNet.RepresentationModel;

namespace Lifeboat.Stack.Configuration;

/// <summary>schedule: time-zone, catch-up, lock-wait, and one cron job per key.</summary>
public sealed partial class StackConfigParser
{
    private static readonly string[] ScheduleKeys = ["time-zone", "catch-up", "lock-wait", "backup", "forget", "prune", "check", "verify"];
    private static readonly string[] ScheduledJobKeys = ["cron", "apps"];

    /// <summary>The apps each job names, with their lines: checked against apps: once the whole file is read.</summary>
    private readonly List<(string App, int Line, string Key)> _scheduledApps = [];

    private ScheduleConfig ParseSchedule(YamlNode node)
    {
        var zone = TimeZoneInfo.Local;
        string? zoneName = null;
        bool catchUp = true;
        var lockWait = ScheduleConfig.DefaultLockWait;
        var jobs = new List<ScheduledJob>();
        foreach (var (keyNode, value) in Mapping(node, "schedule").Children)
        {
            var key = KeyName(keyNode, "schedule");
            var full = $"schedule.{key}";
            int line = LineOf(keyNode.Start);
            switch (key)
            {
                case "time-zone":
                    var id = NonEmptyText(value, full);
                    if (!TimeZoneInfo.TryFindSystemTimeZoneById(id, out var found))
                        throw Error(LineOf(value.Start), full, $"\"{id}\" is not a time zone this machine knows; use an IANA name such as Europe/Berlin or UTC (is tzdata installed?)");
                    zone = found;
                    zoneName = id;
                    break;
                case "catch-up":
                    var flag = NonEmptyText(value, full);
                    catchUp = flag switch
                    {
                        "true" or "yes" or "on" => true,
                        "false" or "no" or "off" => false,
                        _ => throw Error(LineOf(value.Start), full, $"\"{flag}\" is not valid; use true or false"),
                    };
                    break;
                case "lock-wait":
                    lockWait = WaitDuration(value, full);
                    break;
                case "backup": jobs.Add(ParseScheduledJob(JobKind.Backup, value, full, line)); break;
                case "forget": jobs.Add(ParseScheduledJob(JobKind.Forget, value, full, line)); break;
                case "prune": jobs.Add(ParseScheduledJob(JobKind.Prune, value, full, line)); break;
                case "check": jobs.Add(ParseScheduledJob(JobKind.Check, value, full, line)); break;
                case "verify": jobs.Add(ParseScheduledJob(JobKind.Verify, value, full, line)); break;
                default:
                    throw Error(line, full, $"is not a known key; valid keys are {string.Join(", ", ScheduleKeys)}");
            }
        }
        return new ScheduleConfig { TimeZone = zone, TimeZoneName = zoneName, CatchUp = catchUp, LockWait = lockWait, Jobs = jobs };
    }

    /// <summary>A cron string, or a mapping with cron: and (backup and verify only) apps:.</summary>
    private ScheduledJob ParseScheduledJob(JobKind kind, YamlNode node, string key, int line)
    {
        if (node is YamlScalarNode) return new ScheduledJob(kind, NonEmptyText(node, key), ParseCron(node, key), [], line);
        YamlNode? cronNode = null;
        var apps = new List<string>();
        foreach (var (keyNode, value) in Mapping(node, key).Children)
        {
            var name = KeyName(keyNode, key);
            var full = $"{key}.{name}";
            switch (name)
            {
                case "cron": cronNode = value; break;
                case "apps" when kind is JobKind.Backup or JobKind.Verify:
                    foreach (var (app, appLine) in TextList(value, full))
                    {
                        apps.Add(app);
                        _scheduledApps.Add((app, appLine, full));
                    }
                    break;
                case "apps":
                    throw Error(LineOf(keyNode.Start), full, $"only backup and verify take apps; {kind.ToString().ToLowerInvariant()} covers the whole repository");
                default:
                    throw Error(LineOf(keyNode.Start), full, $"is not a known key; valid keys are {string.Join(", ", ScheduledJobKeys)}");
            }
        }
        if (cronNode is null) throw Error(line, $"{key}.cron", "is missing; give the cron expression, e.g. cron: \"0 3 * * *\"");
        return new ScheduledJob(kind, NonEmptyText(cronNode, $"{key}.cron"), ParseCron(cronNode, $"{key}.cron"), apps.Distinct().ToList(), line);
    }

    /// <summary>Five fields (minute hour day month weekday), or six with seconds first; Cronos's macros (@daily) too.</summary>
    private CronExpression ParseCron(YamlNode node, string key)
    {
        var text = NonEmptyText(node, key);
        int fields = text.Split(' ', '\t').Count(f => f.Length > 0);
        try
        {
            if (fields is 5 or 6 || text.StartsWith('@'))
                return CronExpression.Parse(text, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
        }
        catch (CronFormatException e)
        {
            throw Error(LineOf(node.Start), key, $"\"{text}\" is not a valid cron expression: {e.Message.TrimEnd('.')}; e.g. \"0 3 * * *\" for 03:00 daily");
        }
        throw Error(LineOf(node.Start), key, $"\"{text}\" has {fields} fields; a cron expression has five (minute hour day month weekday) or six (seconds first), e.g. \"0 3 * * *\"");
    }

    /// <summary>A wait such as 30m, 90s, 1h or 1h30m.</summary>
    private TimeSpan WaitDuration(YamlNode node, string key)
    {
        var text = NonEmptyText(node, key);
        if (HoursMinutesSeconds(text) is { } wait) return wait;
        throw Error(LineOf(node.Start), key, $"\"{text}\" is not valid; use a number with a unit h, m or s, e.g. 30m, 90s or 1h30m (0s: do not wait)");
    }

    /// <summary>30m, 90s, 1h30m, ... as a time span; null when the text is not that.</summary>
    private static TimeSpan? HoursMinutesSeconds(string text)
    {
        var match = WaitPattern().Match(text);
        if (!match.Success) return null;
        var span = TimeSpan.Zero;
        foreach (Capture part in match.Groups["part"].Captures)
        {
            long n = long.Parse(part.Value[..^1], CultureInfo.InvariantCulture);
            span += part.Value[^1] switch { 'h' => TimeSpan.FromHours(n), 'm' => TimeSpan.FromMinutes(n), _ => TimeSpan.FromSeconds(n) };
        }
        return span;
    }

    [GeneratedRegex(@"^(?<part>\d{1,6}[hms])+$")]
    private static partial Regex WaitPattern();

    /// <summary>Every app a scheduled job names is an app of this file.</summary>
    private void CheckScheduledApps(IReadOnlyList<AppConfig> apps)
    {
        foreach (var (app, line, key) in _scheduledApps)
        {
            if (apps.All(a => a.Name != app))
                throw Error(line, key, $"there is no app \"{app}\" in apps:; known apps: {string.Join(", ", apps.Select(a => a.Name))}");
        }
    }
}
