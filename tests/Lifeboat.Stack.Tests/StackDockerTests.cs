using System.Diagnostics;
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
        var stack = DockerDaemonFixture.StartTwoAppStack(daemon, _temp, "stop", "<Preferences/>");
        var (config, plexDir, sonarrDir, plex, sonarr) = (stack.Config, stack.PlexDir, stack.SonarrDir, stack.Plex, stack.Sonarr);
        try
        {
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

    /// <summary>A stack with one `stop` app whose container is running; returns (config path, app dir, container).</summary>
    private (string Config, string AppDir, string Container) StopApp(DockerDaemon daemon, long bigFileBytes = 0)
    {
        var appDir = _temp.Combine("mnt/plexdata");
        Directory.CreateDirectory(appDir);
        File.WriteAllText(Path.Combine(appDir, "Preferences.xml"), "<Preferences/>");
        if (bigFileBytes > 0)
        {
            // random, so that reading, hashing, compressing and packing it takes a moment
            using var f = File.Create(Path.Combine(appDir, "library.bin"));
            var block = new byte[1 << 20];
            var random = new Random(7);
            for (long done = 0; done < bigFileBytes; done += block.Length)
            {
                random.NextBytes(block);
                f.Write(block);
            }
        }
        string container = DockerDaemonFixture.UniqueName("plex");
        DockerDaemonFixture.RunTrappingContainer(daemon, container, appDir);
        var config = _temp.Combine("lifeboat.yaml");
        File.WriteAllText(config, $"""
            repository: {_temp.Combine("repo")}
            password-file: {_temp.Combine("password")}
            apps:
              plex:
                paths: [{appDir}]
                containers: [{container}]
                consistency: stop
            """);
        return (config, appDir, container);
    }

    [Fact]
    public async Task AFailingStopBackupStillStartsTheContainerAgain()
    {
        var daemon = fixture.Daemon;
        var (config, appDir, container) = StopApp(daemon);
        try
        {
            var cli = new LifeboatCli().With("LIFEBOAT_CONFIG", config).With("DOCKER_HOST", daemon.SocketUri.ToString());
            cli.RunChecked("init");
            // the repository cannot take new files: every pack write fails
            var locked = _temp.Combine("repo/data");
            var chattr = ProcessRunner.Run("chattr", ["-R", "+i", locked]);
            if (!chattr.Succeeded) Assert.Skip("chattr +i is not available here: " + chattr.Stderr);
            try
            {
                File.Delete(Path.Combine(appDir, "started"));
                var backup = cli.Run("backup");
                Assert.NotEqual(0, backup.ExitCode);
                Assert.Contains("plex", backup.Stdout + backup.Stderr);
                Assert.DoesNotContain("   at ", backup.Stderr);
            }
            finally
            {
                ProcessRunner.Run("chattr", ["-R", "-i", locked]);
            }
            Assert.True(File.Exists(Path.Combine(appDir, "term")), "the container was not stopped for the backup");
            DockerDaemonFixture.WaitForFile(Path.Combine(appDir, "started"));
            using var docker = new DockerContainerControl(daemon.SocketUri);
            Assert.True((await docker.InspectAsync(container, Ct)).Running);
        }
        finally
        {
            daemon.TryRunDocker("rm", "-f", container);
        }
    }

    [Fact]
    public async Task SigtermDuringAStopBackupStartsTheContainerAgainAndExits130()
    {
        var daemon = fixture.Daemon;
        var (config, appDir, container) = StopApp(daemon, bigFileBytes: 1L << 30);
        try
        {
            var cli = new LifeboatCli().With("LIFEBOAT_CONFIG", config).With("DOCKER_HOST", daemon.SocketUri.ToString());
            cli.RunChecked("init");
            File.Delete(Path.Combine(appDir, "started"));
            // A watcher outside this test process interrupts lifeboat, as systemd or docker would, once the container
            // has taken its SIGTERM (its trap wrote "term"): from then on the backup is reading the 1 GiB file.
            var term = Path.Combine(appDir, "term");
            var script = $$"""
                "$0" backup & pid=$!
                while [ ! -e '{{term}}' ]; do sleep 0.05; done
                sleep 0.5
                kill -TERM $pid
                wait $pid
                echo "exit=$?"
                """;
            var run = ProcessRunner.Run("/bin/sh", ["-c", script, LifeboatCli.Binary],
                new Dictionary<string, string?>
                {
                    ["LIFEBOAT_CONFIG"] = config, ["DOCKER_HOST"] = daemon.SocketUri.ToString(), ["LIFEBOAT_STATE_DIR"] = _temp.Combine("state"),
                    ["RESTIC_REPOSITORY"] = null, ["RESTIC_PASSWORD"] = null, ["LIFEBOAT_REPOSITORY"] = null, ["LIFEBOAT_PASSWORD"] = null,
                }, timeout: TimeSpan.FromMinutes(3));
            Assert.True(run.Stdout.Contains("exit=130"), $"stdout: {run.Stdout}\nstderr: {run.Stderr}");
            Assert.DoesNotContain("snapshot ", run.Stdout);
            Assert.True(File.Exists(Path.Combine(appDir, "term")), "the container was not stopped");
            Assert.DoesNotContain("   at ", run.Stderr);
            DockerDaemonFixture.WaitForFile(Path.Combine(appDir, "started"));
            using var docker = new DockerContainerControl(daemon.SocketUri);
            Assert.True((await docker.InspectAsync(container, Ct)).Running);
            // no half-written state: no snapshot, and the repository still checks
            var repo = new LifeboatCli(_temp.Combine("repo")).With("RESTIC_PASSWORD_FILE", _temp.Combine("password"));
            Assert.Equal("[]", repo.RunChecked("snapshots", "--json").Stdout.Trim());
            using var restic = new Restic(_temp.Combine("repo"), File.ReadAllText(_temp.Combine("password")).Trim());
            Assert.Equal(0, restic.Run("check").ExitCode);
        }
        finally
        {
            daemon.TryRunDocker("rm", "-f", container);
        }
    }

    public void Dispose() => _temp.Dispose();
}
