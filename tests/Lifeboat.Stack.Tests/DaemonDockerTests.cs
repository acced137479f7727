using Lifeboat.Stack.Containers;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>`lifeboat daemon` stopped with SIGTERM in the middle of a `consistency: stop` backup, on a private dockerd.</summary>
[Collection(DockerCollection.Name)]
public sealed class DaemonDockerTests(DockerDaemonFixture fixture) : IDisposable
{
    private readonly TempDirectory _temp = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sigterm_mid_backup_starts_the_container_again_exits_0_and_leaves_a_repository_that_checks()
    {
        var daemon = fixture.Daemon;
        var appDir = _temp.Combine("mnt/plexdata");
        Directory.CreateDirectory(appDir);
        using (var f = File.Create(Path.Combine(appDir, "library.bin")))
        {
            var block = new byte[1 << 20];
            for (int i = 0; i < 1024; i++)
            {
                Random.Shared.NextBytes(block);
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
            schedule:
              backup: "*/2 * * * * *"
            """);
        try
        {
            var env = new Dictionary<string, string> { ["DOCKER_HOST"] = daemon.SocketUri.ToString() };
            new LifeboatCli().With("LIFEBOAT_CONFIG", config).With("DOCKER_HOST", daemon.SocketUri.ToString()).RunChecked("init");
            File.Delete(Path.Combine(appDir, "started"));
            using var lifeboat = new DaemonProcess(config, _temp.Combine("state"), env);
            // the container has taken its SIGTERM: from then on the backup is reading the 1 GiB file
            lifeboat.WaitFor(_ => File.Exists(Path.Combine(appDir, "term")), TimeSpan.FromSeconds(60), "the container's stop");
            Thread.Sleep(500);
            lifeboat.Signal("TERM");
            Assert.Equal(0, lifeboat.WaitForExit(TimeSpan.FromMinutes(2)));
            var end = Assert.Single(lifeboat.Ends("backup"));
            Assert.Equal("failure", end.GetProperty("outcome").GetString());

            DockerDaemonFixture.WaitForFile(Path.Combine(appDir, "started"));
            using var docker = new DockerContainerControl(daemon.SocketUri);
            Assert.True((await docker.InspectAsync(container, Ct)).Running);
            Assert.Empty(Directory.EnumerateFiles(_temp.Combine("repo/locks")));
            using var restic = new Restic(_temp.Combine("repo"), File.ReadAllText(_temp.Combine("password")).Trim());
            Assert.Equal("[]", restic.RunChecked("snapshots", "--json").Stdout.Trim());
            var check = restic.Run("check");
            Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);
        }
        finally
        {
            daemon.TryRunDocker("rm", "-f", container);
        }
    }

    public void Dispose() => _temp.Dispose();
}
