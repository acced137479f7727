using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests.Dumps;

/// <summary>
/// The in-container path with a real busybox container: a command: dump runs through docker exec at backup, and its
/// restore-command receives exactly the dumped bytes at restore; rebuild loads it while the container runs, and names
/// the command to run once it does when it does not.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class DumpRestoreDockerTests(DockerDaemonFixture fixture) : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public void TheRestoreCommandInTheContainerReceivesTheExactBytesAndRebuildWaitsForTheContainer()
    {
        var daemon = fixture.Daemon;
        var name = DockerDaemonFixture.UniqueName("dumps");
        var data = _temp.Combine("data");
        Directory.CreateDirectory(data);
        Directory.CreateDirectory(_temp.Combine("srv/app"));
        File.WriteAllText(_temp.Combine("srv/app/settings.conf"), "v1");
        var state = Enumerable.Range(0, 2 << 20).Select(i => (byte)(i * 31 + i / 977)).ToArray();
        File.WriteAllBytes(Path.Combine(data, "state.bin"), state);
        var config = _temp.Combine("lifeboat.yaml");
        File.WriteAllText(_temp.Combine("password"), "stack password");
        File.WriteAllText(config, $"""
            repository: {_temp.Combine("repo")}
            password-file: {_temp.Combine("password")}
            host: dump-host
            apps:
              app:
                paths: [{_temp.Combine("srv/app")}]
                dumps:
                  - kind: command
                    name: state
                    container: {name}
                    command: [cat, /data/state.bin]
                    restore-command: [sh, -c, "cat > /data/loaded.bin"]
            """);
        daemon.RunContainer(name, new Dictionary<string, string> { [data] = "/data" }, "sleep 3600");
        try
        {
            var cli = new LifeboatCli().With("LIFEBOAT_CONFIG", config).With("DOCKER_HOST", daemon.SocketUri.ToString());
            cli.RunChecked("init");
            cli.RunChecked("backup");

            var restore = cli.Run("restore", "app", "--dumps-only", "--replace-databases");
            Assert.True(restore.ExitCode == 0, restore.Stdout + restore.Stderr);
            Assert.Contains($"app: loading dump state/state.dump (its restore-command) in container {name}", restore.Stdout);
            Assert.Equal(state, File.ReadAllBytes(Path.Combine(data, "loaded.bin")));

            // rebuild with the container down: the files come back, the dump waits with the command that loads it
            File.Delete(Path.Combine(data, "loaded.bin"));
            daemon.RunDocker("stop", "-t", "0", name);
            var rebuild = cli.Run("rebuild", "--force", "--replace-databases");
            Assert.True(rebuild.ExitCode == 0, rebuild.Stdout + rebuild.Stderr);
            var waiting = rebuild.Stdout.Split('\n').Single(l => l.Contains("state/state.dump not loaded", StringComparison.Ordinal));
            Assert.Contains($"(container {name} is not running); once it runs: lifeboat restore app --snapshot ", waiting);
            Assert.False(File.Exists(Path.Combine(data, "loaded.bin")));
            var command = waiting[(waiting.IndexOf("lifeboat restore", StringComparison.Ordinal) + "lifeboat ".Length)..].Split(' ');

            daemon.RunDocker("start", name);
            Assert.True(cli.Run(command) is { ExitCode: 0 });
            Assert.Equal(state, File.ReadAllBytes(Path.Combine(data, "loaded.bin")));

            // and with the container up, rebuild loads it itself
            File.Delete(Path.Combine(data, "loaded.bin"));
            cli.RunChecked("rebuild", "--force", "--replace-databases");
            Assert.Equal(state, File.ReadAllBytes(Path.Combine(data, "loaded.bin")));
        }
        finally
        {
            daemon.TryRunDocker("rm", "-f", name);
        }
    }

    public void Dispose() => _temp.Dispose();
}
