using Lifeboat.Stack.Containers;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>
/// Scenario 1 with real containers: `restore APP` in place stops the app's container (its trap writes "term" into its
/// bind-mounted directory), restores, and starts it again ("started"); another app's container is never stopped.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class StackRestoreDockerTests(DockerDaemonFixture fixture) : IDisposable
{
    private readonly TempDirectory _temp = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task InPlaceRestoreStopsOnlyTheAppsContainerAndStartsItAgain()
    {
        var daemon = fixture.Daemon;
        var stack = DockerDaemonFixture.StartTwoAppStack(daemon, _temp, "none", "<Preferences good/>");
        var (config, plexDir, sonarrDir, plex, sonarr) = (stack.Config, stack.PlexDir, stack.SonarrDir, stack.Plex, stack.Sonarr);
        try
        {
            var cli = new LifeboatCli().With("LIFEBOAT_CONFIG", config).With("DOCKER_HOST", daemon.SocketUri.ToString());
            cli.RunChecked("init");
            cli.RunChecked("backup");
            File.WriteAllText(Path.Combine(plexDir, "Preferences.xml"), "<Preferences broken/>");
            File.Delete(Path.Combine(plexDir, "started"));

            var restore = cli.Run("restore", "plex");
            Assert.True(restore.ExitCode == 0, restore.Stdout + restore.Stderr);
            Assert.Contains($"stopped container {plex}", restore.Stdout);
            Assert.Contains($"started container {plex} again", restore.Stdout);
            Assert.Equal("<Preferences good/>", File.ReadAllText(Path.Combine(plexDir, "Preferences.xml")));
            // plex got SIGTERM, and runs again (its start wrote "started" anew)
            Assert.True(File.Exists(Path.Combine(plexDir, "term")));
            DockerDaemonFixture.WaitForFile(Path.Combine(plexDir, "started"));
            using var docker = new DockerContainerControl(daemon.SocketUri);
            Assert.True((await docker.InspectAsync(plex, Ct)).Running);
            // sonarr's container was never stopped
            Assert.False(File.Exists(Path.Combine(sonarrDir, "term")));
            Assert.True((await docker.InspectAsync(sonarr, Ct)).Running);
        }
        finally
        {
            daemon.TryRunDocker("rm", "-f", plex, sonarr);
        }
    }

    public void Dispose() => _temp.Dispose();
}
