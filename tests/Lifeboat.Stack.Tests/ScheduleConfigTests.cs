using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Operations;

namespace Lifeboat.Stack.Tests;

/// <summary>schedule: in lifeboat.yaml, and the due times its cron expressions give, across daylight-saving changes.</summary>
public sealed class ScheduleConfigTests
{
    private static StackConfig Parse(string schedule) => StackConfigParser.Parse($"""
        repository: /srv/backup
        password-file: /etc/lifeboat/password
        apps:
          plex:
            paths: [/mnt/plexdata]
          sonarr:
            paths: [/mnt/projects/sonarr]
        {schedule}
        """, "lifeboat.yaml", "/etc/lifeboat", "media-vm");

    private static StackConfigException ParseError(string schedule) => Assert.Throws<StackConfigException>(() => Parse(schedule));

    [Fact]
    public void Every_key_of_schedule_is_read()
    {
        var schedule = Parse("""
            schedule:
              time-zone: Europe/Berlin
              catch-up: false
              lock-wait: 1h30m
              backup: "0 3 * * *"
              verify: { cron: "0 5 * * 0", apps: [plex] }
              check: "*/3 * * * * *"
            """).Schedule!;
        Assert.Equal("Europe/Berlin", schedule.TimeZoneName);
        Assert.False(schedule.CatchUp);
        Assert.Equal(TimeSpan.FromMinutes(90), schedule.LockWait);
        Assert.Equal([JobKind.Backup, JobKind.Verify, JobKind.Check], schedule.Jobs.Select(j => j.Kind));
        Assert.Equal(["plex"], schedule.Jobs[1].Apps);
        Assert.Empty(schedule.Jobs[0].Apps);
        // six fields: seconds first
        var from = new DateTimeOffset(2026, 1, 1, 0, 0, 1, TimeSpan.Zero);
        Assert.Equal(from.AddSeconds(2), schedule.Jobs[2].NextAfter(from, TimeZoneInfo.Utc));
    }

    [Fact]
    public void Defaults_are_the_machine_zone_catch_up_on_and_thirty_minutes_of_lock_wait()
    {
        var schedule = Parse("schedule: { backup: \"0 3 * * *\" }").Schedule!;
        Assert.Null(schedule.TimeZoneName);
        Assert.Equal(TimeZoneInfo.Local, schedule.TimeZone);
        Assert.True(schedule.CatchUp);
        Assert.Equal(TimeSpan.FromMinutes(30), schedule.LockWait);
        Assert.Null(Parse("").Schedule);
    }

    [Theory]
    [InlineData("schedule:\n  backup: \"0 3 * *\"", 9, "schedule.backup", "has 4 fields")]
    [InlineData("schedule:\n  backup: \"0 25 * * *\"", 9, "schedule.backup", "is not a valid cron expression")]
    [InlineData("schedule:\n  time-zone: Mars/Olympus", 9, "schedule.time-zone", "IANA")]
    [InlineData("schedule:\n  prune: { cron: \"0 4 * * 0\", apps: [plex] }", 9, "schedule.prune.apps", "only backup and verify take apps")]
    [InlineData("schedule:\n  backup: { cron: \"0 3 * * *\", apps: [plex, radarr] }", 9, "schedule.backup.apps", "there is no app \"radarr\"")]
    [InlineData("schedule:\n  backup: { apps: [plex] }", 9, "schedule.backup.cron", "is missing")]
    [InlineData("schedule:\n  backups: \"0 3 * * *\"", 9, "schedule.backups", "is not a known key")]
    [InlineData("schedule:\n  catch-up: sometimes", 9, "schedule.catch-up", "use true or false")]
    [InlineData("schedule:\n  lock-wait: forever", 9, "schedule.lock-wait", "30m")]
    public void A_wrong_schedule_is_an_error_with_its_line_and_key(string schedule, int line, string key, string problem)
    {
        var e = ParseError(schedule);
        Assert.Equal(line, e.Line);
        Assert.Equal(key, e.Key);
        Assert.Contains(problem, e.Message);
    }

    private static ScheduledJob Job(string cron) => Parse($"schedule: {{ backup: \"{cron}\" }}").Schedule!.Jobs[0];

    private static DateTimeOffset Local(TimeZoneInfo zone, int y, int mo, int d, int h, int mi)
    {
        var wall = new DateTime(y, mo, d, h, mi, 0, DateTimeKind.Unspecified);
        return new DateTimeOffset(wall, zone.GetUtcOffset(wall));
    }

    /// <summary>Every due time of the job from <paramref name="from"/> up to <paramref name="until"/>.</summary>
    private static List<DateTimeOffset> Occurrences(ScheduledJob job, TimeZoneInfo zone, DateTimeOffset from, DateTimeOffset until)
    {
        var all = new List<DateTimeOffset>();
        var at = from;
        while (job.NextAfter(at, zone) is { } next && next <= until)
        {
            all.Add(next);
            at = next;
        }
        return all;
    }

    [Theory]
    // the night the clocks skip 02:00-03:00
    [InlineData("Europe/Berlin", "30 2 * * *", 2026, 3, 29)]
    [InlineData("America/New_York", "30 2 * * *", 2026, 3, 8)]
    public void A_job_in_the_hour_that_spring_forward_skips_runs_once_that_night(string zoneId, string cron, int y, int mo, int d)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var night = Occurrences(Job(cron), zone, Local(zone, y, mo, d - 1, 12, 0), Local(zone, y, mo, d, 12, 0));
        var run = Assert.Single(night);
        // at the first instant after the gap: 03:00 summer time
        Assert.Equal(Local(zone, y, mo, d, 3, 0), run);
        // and on the nights around it at its usual time
        Assert.Equal(Local(zone, y, mo, d + 1, 2, 30), Job(cron).NextAfter(run, zone));
    }

    [Theory]
    // the night an hour repeats: 02:00-03:00 in Berlin, 01:00-02:00 in New York
    [InlineData("Europe/Berlin", "30 2 * * *", 2026, 10, 25, 2)]
    [InlineData("America/New_York", "30 1 * * *", 2026, 11, 1, 1)]
    public void A_job_in_the_hour_that_autumn_repeats_runs_once_not_twice(string zoneId, string cron, int y, int mo, int d, int hour)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var night = Occurrences(Job(cron), zone, Local(zone, y, mo, d, 0, 0).AddHours(-12), Local(zone, y, mo, d, 12, 0));
        var run = Assert.Single(night);
        Assert.Equal(hour, run.Hour);
        Assert.Equal(30, run.Minute);
        // the first of the two: still summer time's offset
        Assert.Equal(zone.GetUtcOffset(new DateTime(y, mo, d, 0, 0, 0)), run.Offset);
    }

    [Fact]
    public void An_hourly_job_across_the_autumn_change_runs_every_real_hour_once()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var from = Local(zone, 2026, 10, 24, 23, 30);
        var runs = Occurrences(Job("0 * * * *"), zone, from, from.AddHours(6));
        // six real hours hold six full hours, whatever the wall clock shows
        Assert.Equal(6, runs.Count);
        Assert.Equal(runs.Count, runs.Select(r => r.UtcDateTime).Distinct().Count());
    }
}
