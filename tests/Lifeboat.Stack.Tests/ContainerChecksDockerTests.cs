using System.Text.Json;
using System.Text.RegularExpressions;
using Lifeboat.Stack.Containers;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>
/// Containers named in lifeboat.yaml as the user meets them, with the real binary and a private dockerd: one that runs
/// and mounts its app's path, one that exists but is stopped (and mounts nothing), one that does not exist. What
/// backup, doctor and rebuild print about each, exactly.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class ContainerChecksDockerTests(DockerDaemonFixture fixture) : IDisposable
{
    private readonly TempDirectory _temp = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _temp.Dispose();

    /// <summary>plex (consistency none, its container running), sonarr (stop, its container stopped), radarr (sqlite, no such container).</summary>
    private sealed record Stack(string Config, string PlexDir, string SonarrDir, string RadarrDir, string Running, string Stopped, string Missing);

    private Stack MakeStack(DockerDaemon daemon)
    {
        var stack = new Stack(_temp.Combine("etc/lifeboat.yaml"), _temp.Combine("mnt/plexdata"), _temp.Combine("mnt/projects/sonarr"),
            _temp.Combine("mnt/projects/radarr"), DockerDaemonFixture.UniqueName("plex"), DockerDaemonFixture.UniqueName("sonarr"),
            DockerDaemonFixture.UniqueName("radarr"));
        foreach (var dir in new[] { stack.PlexDir, stack.SonarrDir, stack.RadarrDir }) Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(stack.PlexDir, "Preferences.xml"), "<Preferences/>");
        File.WriteAllText(Path.Combine(stack.SonarrDir, "config.xml"), "<Config/>");
        File.WriteAllText(Path.Combine(stack.RadarrDir, "config.xml"), "<Config/>");
        DockerDaemonFixture.RunTrappingContainer(daemon, stack.Running, stack.PlexDir);
        daemon.RunDocker("create", "--network", "none", "--name", stack.Stopped, DockerDaemon.DefaultImage, "sh", "-c", "true");
        Directory.CreateDirectory(Path.GetDirectoryName(stack.Config)!);
        File.WriteAllText(stack.Config, $"""
            repository: {_temp.Combine("repo")}
            password-file: {_temp.Combine("password")}
            apps:
              plex:
                paths: [{stack.PlexDir}]
                containers: [{stack.Running}]
              sonarr:
                paths: [{stack.SonarrDir}]
                containers: [{stack.Stopped}]
                consistency: stop
              radarr:
                paths: [{stack.RadarrDir}]
                containers: [{stack.Missing}]
                consistency: sqlite
            """);
        return stack;
    }

    private LifeboatCli Cli(Stack stack, string dockerHost) =>
        new LifeboatCli().With("LIFEBOAT_CONFIG", stack.Config).With("DOCKER_HOST", dockerHost).With("LIFEBOAT_STATE_DIR", _temp.Combine("state"));

    private static string NotFoundWarning(Stack stack) =>
        $"radarr: warning: container {stack.Missing} not found: Docker has no container of that name; " +
        $"correct apps.radarr.containers in {stack.Config} (docker ps -a lists the containers there are)";

    [Fact]
    public async Task Backup_warns_for_a_missing_container_in_any_mode_and_leaves_a_stopped_one_stopped()
    {
        var daemon = fixture.Daemon;
        var stack = MakeStack(daemon);
        try
        {
            var cli = Cli(stack, daemon.SocketUri.ToString());
            cli.RunChecked("init");
            var backup = cli.Run("backup");
            Assert.True(backup.ExitCode == 0, backup.Stdout + backup.Stderr);
            // the one line a user sees about the container that is not there; radarr is backed up all the same
            Assert.Equal([NotFoundWarning(stack)], backup.Stderr.TrimEnd('\n').Split('\n'));
            Assert.Matches(new Regex(@"^radarr: snapshot [0-9a-f]{8}, 1 files, .+ added, [0-9.]+ s$", RegexOptions.Multiline), backup.Stdout);
            Assert.Matches(new Regex($@"^sonarr: snapshot [0-9a-f]{{8}}, 1 files, .+ added, [0-9.]+ s; container {stack.Stopped} was not running and is left stopped$",
                RegexOptions.Multiline), backup.Stdout);
            Assert.Matches(new Regex(@"^plex: snapshot [0-9a-f]{8}, \d+ files, .+ added, [0-9.]+ s$", RegexOptions.Multiline), backup.Stdout);
            using var docker = new DockerContainerControl(daemon.SocketUri);
            Assert.False((await docker.InspectAsync(stack.Stopped, Ct)).Running);
            Assert.True((await docker.InspectAsync(stack.Running, Ct)).Running);

            // --json: the same warning in the app's summary (and still on stderr)
            var json = cli.Run("backup", "--json");
            Assert.True(json.ExitCode == 0, json.Stdout + json.Stderr);
            Assert.Equal([NotFoundWarning(stack)], json.Stderr.TrimEnd('\n').Split('\n'));
            var summaries = json.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
                .Where(e => e.GetProperty("message_type").GetString() == "app_summary").ToDictionary(e => e.GetProperty("app").GetString()!);
            Assert.Equal([NotFoundWarning(stack)["radarr: warning: ".Length..]],
                summaries["radarr"].GetProperty("warnings").EnumerateArray().Select(w => w.GetString()).ToArray());
            Assert.Equal([stack.Stopped], summaries["sonarr"].GetProperty("containers_left_stopped").EnumerateArray().Select(w => w.GetString()).ToArray());
            Assert.False(summaries["plex"].TryGetProperty("warnings", out _));
        }
        finally
        {
            daemon.TryRunDocker("rm", "-f", stack.Running, stack.Stopped);
        }
    }

    [Fact]
    public void Doctor_has_a_containers_item_per_app_and_skips_it_when_Docker_is_not_reachable()
    {
        var daemon = fixture.Daemon;
        var stack = MakeStack(daemon);
        try
        {
            var doctor = Cli(stack, daemon.SocketUri.ToString()).Run("doctor");
            var lines = doctor.Stdout.Split('\n');
            Assert.Contains($"[pass] plex: container {stack.Running} exists, is running and mounts {stack.PlexDir}", lines);
            Assert.Contains($"[warn] sonarr: container {stack.Stopped} is not running (a backup leaves it stopped); " +
                $"also container {stack.Stopped} mounts nothing at or around {stack.SonarrDir}: the containers and the paths may not be the same app's; " +
                $"start it if sonarr should be up: docker start {stack.Stopped}, and compare apps.sonarr in {stack.Config} with " +
                $"docker inspect -f '{{{{json .Mounts}}}}' {stack.Stopped} (with Lifeboat in a container, mount the app's paths at the same paths as on the host)", lines);
            Assert.Contains($"[FAIL] radarr: container {stack.Missing} not found: Docker has no container of that name; " +
                $"create it (e.g. docker compose up -d) or correct apps.radarr.containers in {stack.Config} (docker ps -a lists the containers there are)", lines);

            // no Docker at all: a skip that says where it looked and how to point elsewhere, not a failure
            var socket = _temp.Combine("no-docker.sock");
            var unreachable = Cli(stack, "unix://" + socket).Run("doctor");
            Assert.Contains($"[skip] plex: container {stack.Running} not checked: docker is not reachable at unix://{socket}: no socket at {socket}; " +
                $"is the Docker daemon running? {DockerContainerControl.EndpointHint}", unreachable.Stdout.Split('\n'));
            Assert.Equal(3, unreachable.Stdout.Split('\n').Count(l => l.StartsWith("[skip] ", StringComparison.Ordinal) && l.Contains("not checked: docker is not reachable")));
        }
        finally
        {
            daemon.TryRunDocker("rm", "-f", stack.Running, stack.Stopped);
        }
    }

    [Fact]
    public void Rebuild_names_a_missing_container_as_missing_and_promises_to_start_only_what_exists()
    {
        var daemon = fixture.Daemon;
        var stack = MakeStack(daemon);
        try
        {
            var cli = Cli(stack, daemon.SocketUri.ToString());
            cli.RunChecked("init");
            cli.Run("backup");
            var rebuild = cli.Run("rebuild", "--target-root", _temp.Combine("rebuilt"));
            Assert.True(rebuild.ExitCode == 0, rebuild.Stdout + rebuild.Stderr);
            var lines = rebuild.Stdout.Split('\n');
            Assert.Contains($"to start: {stack.Stopped} (docker start {stack.Stopped}, or docker compose up -d)", lines);
            Assert.Contains($"already running: {stack.Running}", lines);
            Assert.Contains($"missing: {stack.Missing}: Docker has no container of that name yet; create it (e.g. docker compose up -d) " +
                "or correct the app's containers in lifeboat.yaml", lines);
            Assert.DoesNotContain(lines, l => l.StartsWith("to start: ", StringComparison.Ordinal) && l.Contains(stack.Missing));
        }
        finally
        {
            daemon.TryRunDocker("rm", "-f", stack.Running, stack.Stopped);
        }
    }
}
