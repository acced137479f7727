using Lifeboat.Stack.Configuration;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>The lifeboat.yaml shipped in deploy/ beside the compose file is a valid config that means what it says.</summary>
public sealed class DeployExampleTests
{
    [Fact]
    public void The_shipped_media_stack_config_parses_with_its_schedule_and_notifications()
    {
        var path = Path.Combine(Fixtures.RepositoryRoot, "deploy", "lifeboat.yaml");
        var config = StackConfigLoader.Load(path);
        Assert.Equal(["plex", "jellyfin", "arr"], config.Apps.Select(a => a.Name));
        Assert.Equal("media-vm", config.Host);
        var schedule = Assert.IsType<ScheduleConfig>(config.Schedule);
        Assert.Equal(["backup", "forget", "prune", "verify", "check"], schedule.Jobs.Select(j => j.Name));
        Assert.Equal(2, config.Notify.Count);
        // the compose file hands the container exactly the secrets the config names
        var compose = File.ReadAllText(Path.Combine(Fixtures.RepositoryRoot, "deploy", "docker-compose.yml"));
        Assert.Contains("target: /run/secrets/lifeboat-password", compose);
        Assert.Contains("target: /run/secrets/healthchecks-url", compose);
        Assert.Contains("target: /run/secrets/ntfy-url", compose);
        Assert.Contains("/mnt/plexdata:/mnt/plexdata:ro", compose);
        Assert.DoesNotContain("/mnt/media:", compose);
    }
}
