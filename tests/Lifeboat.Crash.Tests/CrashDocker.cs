using System.Security.Cryptography;
using Lifeboat.TestSupport;

[assembly: AssemblyFixture(typeof(Lifeboat.Crash.Tests.CrashDocker))]

namespace Lifeboat.Crash.Tests;

/// <summary>
/// One private dockerd (<see cref="DockerDaemon"/>) for the whole campaign, with a busybox container per app of the
/// stack series. <see cref="Daemon"/> skips the calling test where no daemon can run here (not root, docker.io or
/// busybox-static missing).
/// </summary>
public sealed class CrashDocker : IAsyncLifetime
{
    private DockerDaemon? _daemon;
    private string? _skipReason;
    private Exception? _startFailure;

    public async ValueTask InitializeAsync()
    {
        _skipReason = DockerDaemon.UnavailableReason();
        if (_skipReason is not null) return;
        try
        {
            _daemon = await DockerDaemon.StartAsync(TestContext.Current.CancellationToken);
            _daemon.EnsureBusyboxImage();
        }
        catch (Exception e)
        {
            _startFailure = e;
        }
    }

    public DockerDaemon Daemon
    {
        get
        {
            if (_skipReason is not null) Assert.Skip(_skipReason);
            if (_startFailure is not null) throw new InvalidOperationException("the private dockerd did not start", _startFailure);
            return _daemon!;
        }
    }

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

    public async ValueTask DisposeAsync()
    {
        if (_daemon is not null) await _daemon.DisposeAsync();
    }
}
