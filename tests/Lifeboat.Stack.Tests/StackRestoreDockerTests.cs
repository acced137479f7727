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
        var plexDir = _temp.Combine("mnt/plexdata");
        var sonarrDir = _temp.Combine("mnt/projects/sonarr");
        Directory.CreateDirectory(plexDir);
        Directory.CreateDirectory(sonarrDir);
        File.WriteAllText(Path.Combine(plexDir, "Preferences.xml"), "<Preferences good/>");
        File.WriteAllText(Path.Combine(sonarrDir, "config.xml"), "<Config/>");
        string plex = DockerDaemonFixture.UniqueName("plex"), sonarr = DockerDaemonFixture.UniqueName("sonarr");
        try
        {
            DockerDaemonFixture.RunTrappingContainer(daemon, plex, plexDir);
            DockerDaemonFixture.RunTrappingContainer(daemon, sonarr, sonarrDir);
            var config = _temp.Combine("lifeboat.yaml");
            File.WriteAllText(config, $"""
                repository: {_temp.Combine("repo")}
                password-file: {_temp.Combine("password")}
                apps:
                  plex:
                    paths: [{plexDir}]
                    containers: [{plex}]
                    consistency: none
                  sonarr:
                    paths: [{sonarrDir}]
                    containers: [{sonarr}]
                    consistency: none
                """);
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
