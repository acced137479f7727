using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Operations;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>schedule install's units: OnCalendar from cron, and units systemd itself accepts.</summary>
public sealed class SystemdUnitsTests
{
    [Theory]
    [InlineData("0 3 * * *", null, "*-*-* 03:00:00")]
    [InlineData("30 2 * * 0", "Europe/Berlin", "Sun *-*-* 02:30:00 Europe/Berlin")]
    [InlineData("*/15 * * * *", null, "*-*-* *:00/15:00")]
    [InlineData("*/3 * * * * *", null, "*-*-* *:*:00/3")]
    [InlineData("0 4 1,15 * *", null, "*-*-01,15 04:00:00")]
    [InlineData("0 22 * * 1-5", null, "Mon,Tue,Wed,Thu,Fri *-*-* 22:00:00")]
    [InlineData("0 6 * JAN,JUL SAT-SUN", null, "Sat,Sun *-01,07-* 06:00:00")]
    [InlineData("0 0 9-17 * * *", null, "*-*-* 09..17:00:00")]
    [InlineData("@daily", "UTC", "*-*-* 00:00:00 UTC")]
    public void Cron_becomes_OnCalendar(string cron, string? zone, string expected) =>
        Assert.Equal(expected, SystemdUnits.OnCalendar(cron, zone));

    [Theory]
    [InlineData("0 3 1 * 1")]   // day of month or weekday: cron ORs them, systemd ANDs
    [InlineData("0 3 L * *")]
    [InlineData("0 3 * * 5#3")]
    [InlineData("0 1-10/2 * * *")]
    public void Cron_that_OnCalendar_cannot_say_is_refused(string cron) => Assert.Null(SystemdUnits.OnCalendar(cron, null));

    private static ScheduleConfig Schedule(string yaml) => StackConfigParser.Parse($"""
        repository: /srv/backup
        password-file: /etc/lifeboat/password
        apps:
          plex:
            paths: [/mnt/plexdata]
        {yaml}
        """, "lifeboat.yaml", "/etc/lifeboat", "media-vm").Schedule!;

    [Fact]
    public void A_cron_that_cannot_be_a_timer_is_refused_naming_it()
    {
        var e = Assert.Throws<StackException>(() => SystemdUnits.Generate(Schedule("schedule: { check: \"0 3 1 * 1\" }"), "/etc/lifeboat/lifeboat.yaml", "/usr/local/bin/lifeboat"));
        Assert.Contains("schedule.check", e.Message);
        Assert.Contains("0 3 1 * 1", e.Message);
    }

    [Fact]
    public void Units_run_the_job_in_stack_mode_and_systemd_accepts_them()
    {
        using var dir = new TempDirectory();
        var schedule = Schedule("""
            schedule:
              time-zone: Europe/Berlin
              backup: { cron: "30 2 * * *", apps: [plex] }
              prune: "0 4 * * 0"
            """);
        var binary = "/bin/true";
        var units = SystemdUnits.Generate(schedule, "/etc/my stack/lifeboat.yaml", binary);
        Assert.Equal(["lifeboat-backup.service", "lifeboat-backup.timer", "lifeboat-prune.service", "lifeboat-prune.timer"], units.Select(u => u.Name));
        var service = Lines(units[0]);
        Assert.Equal(SystemdUnits.Marker("/etc/my stack/lifeboat.yaml"), service[0]);
        Assert.Contains("Type=oneshot", service);
        Assert.Contains("ExecStart=/bin/true backup --config \"/etc/my stack/lifeboat.yaml\" plex", service);
        Assert.Contains("ExecStartPre=/bin/true unlock --config \"/etc/my stack/lifeboat.yaml\"", service);
        var timer = Lines(units[1]);
        Assert.Contains("OnCalendar=*-*-* 02:30:00 Europe/Berlin", timer);
        Assert.Contains("Persistent=true", timer);
        Assert.Contains("Unit=lifeboat-backup.service", timer);
        Assert.Contains("WantedBy=timers.target", timer);
        Assert.Contains("Persistent=false", Lines(SystemdUnits.Generate(Schedule("schedule: { catch-up: false, check: \"0 1 * * *\" }"), "/x.yaml", binary)[1]));

        foreach (var unit in units) File.WriteAllText(dir.Combine(unit.Name), unit.Text);
        var verify = ProcessRunner.Run("systemd-analyze", ["verify", .. units.Select(u => dir.Combine(u.Name))]);
        Assert.True(verify.ExitCode == 0 && !verify.Stderr.Contains("lifeboat-"), $"systemd-analyze verify: {verify.ExitCode}\n{verify.Stdout}\n{verify.Stderr}");
        // systemd reads the calendar as we mean it
        var calendar = ProcessRunner.Run("systemd-analyze", ["calendar", "*-*-* 02:30:00 Europe/Berlin"]);
        Assert.True(calendar.Succeeded, calendar.Stderr);
    }

    private static string[] Lines(SystemdUnit unit) => unit.Text.Split('\n');
}
