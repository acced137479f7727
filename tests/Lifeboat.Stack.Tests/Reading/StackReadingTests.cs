using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Reading;

namespace Lifeboat.Stack.Tests.Reading;

/// <summary>Which app a read command's arguments mean, on the issue's example config (jellyfin's path lies inside configs').</summary>
public class StackReadingTests
{
    private static readonly StackConfig Config = StackConfigParser.Parse(ConfigParserTests.IssueExample, "lifeboat.yaml", "/etc/lifeboat", "this-host");
    private static readonly StackReading Reading = new(Config, "dump");

    [Fact]
    public void ThePathsOwner_IsTheAppOfLatest_TheInnermostWhenAppPathsNest()
    {
        Assert.Equal(new AppSnapshotChoice(Config.FindApp("jellyfin")!, "latest", null, Inferred: true),
            Reading.Choose("latest", ["/mnt/projects/jellyfin/config/config.xml"], null, null, filtered: false));
        Assert.Equal("configs", Reading.Choose("latest", ["mnt/projects/sonarr/config.xml"], null, null, filtered: false)!.App.Name);
        Assert.Equal("plex", Reading.Choose("1a2b3c4d", ["/mnt/plexdata/Preferences.xml"], null, null, filtered: false)!.App.Name);
    }

    [Fact]
    public void AnAppNamed_IsThatApp_WithTheSnapshotOrTimeGiven()
    {
        var at = DateTimeOffset.Now;
        Assert.Equal(new AppSnapshotChoice(Config.FindApp("plex")!, null, at), Reading.Choose("plex", ["/mnt/plexdata/x"], null, at, filtered: false));
        Assert.Equal(new AppSnapshotChoice(Config.FindApp("plex")!, "1a2b", null), Reading.Choose("plex", [], "1a2b", null, filtered: false));
        Assert.Equal("--snapshot and --at both choose the snapshot: give one of them",
            Assert.Throws<StackException>(() => Reading.Choose("plex", [], "1a2b", at, filtered: false)).Message);
    }

    [Fact]
    public void ResticsForms_StayResticsWhereNoAppIsMeant()
    {
        // an ID outside every app's paths names one snapshot of the repository
        Assert.Null(Reading.Choose("1a2b3c4d", ["/etc/hosts"], null, null, filtered: false));
        // latest narrowed by restic's filters
        Assert.Null(Reading.Choose("latest", [], null, null, filtered: true));
    }

    [Fact]
    public void LatestWithoutAnApp_IsRefusedWithTheAppForm()
    {
        Assert.Equal("`latest` is an app's latest with lifeboat.yaml: name the app, e.g. `lifeboat dump plex` (apps: plex, jellyfin, configs)",
            Assert.Throws<StackException>(() => Reading.Choose("latest", [], null, null, filtered: false)).Message);
        Assert.Equal("the paths are in several apps (plex, jellyfin): read one app at a time, e.g. `lifeboat dump plex ...`",
            Assert.Throws<StackException>(() => Reading.Choose("latest", ["/mnt/plexdata", "/mnt/projects/jellyfin/config"], null, null, filtered: false)).Message);
        Assert.Equal("`latest` is an app's latest with lifeboat.yaml: name the app, e.g. `lifeboat dump plex ...` (apps: plex, jellyfin, configs)",
            Assert.Throws<StackException>(() => Reading.RejectBareLatest(["1a2b", "latest"], filtered: false)).Message);
        Reading.RejectBareLatest(["1a2b", "latest"], filtered: true);
    }

    [Fact]
    public void APathOutsideTheNamedApp_NamesTheAppThatHoldsIt()
    {
        Reading.RequireInApp(Config.FindApp("jellyfin")!, "/mnt/projects"); // on the way to the app's path: in its snapshots
        Assert.Equal("/mnt/plexdata/Preferences.xml is not inside the paths of app configs (/mnt/projects); it is app plex's: `lifeboat dump plex /mnt/plexdata/Preferences.xml`",
            Assert.Throws<StackException>(() => Reading.RequireInApp(Config.FindApp("configs")!, "/mnt/plexdata/Preferences.xml")).Message);
        Assert.Equal("/srv/x is not inside the paths of app plex (/mnt/plexdata): give a path under them, e.g. /mnt/plexdata/...",
            Assert.Throws<StackException>(() => Reading.RequireInApp(Config.FindApp("plex")!, "/srv/x")).Message);
    }
}
