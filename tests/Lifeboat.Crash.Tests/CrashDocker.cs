using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Lifeboat.TestSupport;

[assembly: AssemblyFixture(typeof(Lifeboat.Crash.Tests.CrashDocker))]

namespace Lifeboat.Crash.Tests;

/// <summary>
/// One private dockerd (<see cref="DockerDaemon"/>) for the whole campaign, with a busybox container per app of the
/// stack series. <see cref="Daemon"/> skips the calling test where no daemon can run here (not root, docker.io or
/// busybox-static missing).
/// </summary>
public sealed class CrashDocker : PrivateDockerFixture, IAsyncLifetime
{
    public ValueTask InitializeAsync() => StartAsync(TestContext.Current.CancellationToken);

    [DoesNotReturn]
    protected override void Skip(string reason) => Assert.Skip(reason);

    /// <summary>A running container that stops at once on SIGTERM (its shell traps it), as an app's would; returns its name.</summary>
    public string RunAppContainer(string app)
    {
        var name = $"lb-crash-{app}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        Daemon.RunContainer(name, null, "trap 'exit 0' TERM; while true; do sleep 0.1; done");
        return name;
    }

    public bool IsRunning(string container) =>
        Daemon.RunDocker("inspect", "-f", "{{.State.Running}}", container).Stdout.Trim() == "true";

    /// <summary>Throws unless every one of the containers runs.</summary>
    public void RequireRunning(IEnumerable<string> containers, string when)
    {
        foreach (var container in containers)
            if (!IsRunning(container)) throw new CrashFailure($"container {container} is not running {when}");
    }

    public void Remove(IEnumerable<string> containers) => Daemon.TryRunDocker(["rm", "-f", .. containers]);
}
