using System.Text.Json;
using Lifeboat.Stack.Containers;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>
/// `consistency: stop` end to end: the real `lifeboat` binary, a private dockerd, real containers with the app's
/// directory bind-mounted. Each container's shell writes "term" into that directory when it gets SIGTERM and
/// "started" when it starts.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class StackDockerTests(DockerDaemonFixture fixture) : IDisposable
{
    private readonly TempDirectory _temp = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StopBackupStopsTheAppsContainerAndStartsItAgainWhileOtherAppsKeepRunning()
    {
        var daemon = fixture.Daemon;
        var plexDir = _temp.Combine("mnt/plexdata");
        var sonarrDir = _temp.Combine("mnt/projects/sonarr");
        Directory.CreateDirectory(plexDir);
        Directory.CreateDirectory(sonarrDir);
        File.WriteAllText(Path.Combine(plexDir, "Preferences.xml"), "<Preferences/>");
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
                    consistency: stop
                  sonarr:
                    paths: [{sonarrDir}]
                    containers: [{sonarr}]
                    consistency: none
                """);
            var cli = new LifeboatCli().With("LIFEBOAT_CONFIG", config).With("DOCKER_HOST", daemon.SocketUri.ToString());
            cli.RunChecked("init");
            File.Delete(Path.Combine(plexDir, "started"));
            var backup = cli.Run("backup");
            Assert.True(backup.ExitCode == 0, backup.Stdout + backup.Stderr);

            // plex got SIGTERM before its files were read: the marker its trap wrote is in the snapshot
            var repo = new LifeboatCli(_temp.Combine("repo")).With("RESTIC_PASSWORD_FILE", _temp.Combine("password"));
            var plexFiles = repo.RunChecked("ls", "latest", "--tag", "app:plex").Stdout;
            Assert.Contains(plexDir + "/term", plexFiles);
            // ... and it runs again afterwards (its start wrote "started" anew)
            DockerDaemonFixture.WaitForFile(Path.Combine(plexDir, "started"));
            using var docker = new DockerContainerControl(daemon.SocketUri);
            Assert.True((await docker.InspectAsync(plex, Ct)).Running);
            // sonarr's container was never stopped
            Assert.False(File.Exists(Path.Combine(sonarrDir, "term")));
            Assert.True((await docker.InspectAsync(sonarr, Ct)).Running);

            var snapshots = JsonDocument.Parse(cli.RunChecked("snapshots", "--json").Stdout).RootElement;
            Assert.Equal(2, snapshots.GetArrayLength());
        }
        finally
        {
            daemon.TryRunDocker("rm", "-f", plex, sonarr);
        }
    }

    public void Dispose() => _temp.Dispose();
}
