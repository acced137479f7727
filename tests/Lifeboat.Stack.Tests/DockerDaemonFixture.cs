using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>
/// One private dockerd (<see cref="DockerDaemon"/>) shared by every test class in the "docker" collection:
/// <c>[Collection(DockerCollection.Name)]</c> and a constructor taking this fixture. Tests call <see cref="Daemon"/>,
/// which skips the test where no daemon can run (not root, docker.io or busybox-static not installed) and fails it
/// when the daemon could not start.
/// </summary>
public sealed class DockerDaemonFixture : PrivateDockerFixture, IAsyncLifetime
{
    public ValueTask InitializeAsync() => StartAsync(TestContext.Current.CancellationToken);

    [DoesNotReturn]
    protected override void Skip(string reason) => Assert.Skip(reason);

    /// <summary>A container name no other test uses: lb-PREFIX-hex.</summary>
    public static string UniqueName(string prefix) => $"lb-{prefix}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";

    /// <summary>
    /// A container whose shell writes "started" into HOSTDIR/started once its TERM trap is set, and "term" into
    /// HOSTDIR/term when it gets SIGTERM, then exits; returns once it is started (so a stop always meets the trap).
    /// </summary>
    public static void RunTrappingContainer(DockerDaemon daemon, string name, string hostDirectory)
    {
        File.Delete(Path.Combine(hostDirectory, "started"));
        daemon.RunContainer(name, new Dictionary<string, string> { [hostDirectory] = "/data" },
            "trap 'echo term > /data/term; exit 0' TERM; echo started > /data/started; while true; do sleep 0.1; done");
        WaitForFile(Path.Combine(hostDirectory, "started"));
    }

    /// <summary>Two apps, plex and sonarr, each with its own running trapping container and a lifeboat.yaml for them.</summary>
    public sealed record TwoAppStack(string Config, string PlexDir, string SonarrDir, string Plex, string Sonarr);

    /// <summary>Writes the apps' files and config under <paramref name="temp"/> and starts both containers.</summary>
    public static TwoAppStack StartTwoAppStack(DockerDaemon daemon, TempDirectory temp, string plexConsistency, string plexPreferences)
    {
        var plexDir = temp.Combine("mnt/plexdata");
        var sonarrDir = temp.Combine("mnt/projects/sonarr");
        Directory.CreateDirectory(plexDir);
        Directory.CreateDirectory(sonarrDir);
        File.WriteAllText(Path.Combine(plexDir, "Preferences.xml"), plexPreferences);
        File.WriteAllText(Path.Combine(sonarrDir, "config.xml"), "<Config/>");
        var stack = new TwoAppStack(temp.Combine("lifeboat.yaml"), plexDir, sonarrDir, UniqueName("plex"), UniqueName("sonarr"));
        RunTrappingContainer(daemon, stack.Plex, plexDir);
        RunTrappingContainer(daemon, stack.Sonarr, sonarrDir);
        File.WriteAllText(stack.Config, $"""
            repository: {temp.Combine("repo")}
            password-file: {temp.Combine("password")}
            apps:
              plex:
                paths: [{plexDir}]
                containers: [{stack.Plex}]
                consistency: {plexConsistency}
              sonarr:
                paths: [{sonarrDir}]
                containers: [{stack.Sonarr}]
                consistency: none
            """);
        return stack;
    }

    public static void WaitForFile(string path, double seconds = 20)
    {
        var watch = Stopwatch.StartNew();
        while (!File.Exists(path))
        {
            if (watch.Elapsed.TotalSeconds > seconds) throw new TimeoutException($"{path} did not appear within {seconds} s");
            Thread.Sleep(20);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class DockerCollection : ICollectionFixture<DockerDaemonFixture>
{
    public const string Name = "docker";
}
