using System.Diagnostics.CodeAnalysis;

namespace Lifeboat.TestSupport;

/// <summary>
/// The shared part of a fixture that runs one private dockerd (<see cref="DockerDaemon"/>, with the busybox image) for
/// the tests that use it: started once; where no daemon can run here (not root, docker.io or busybox-static missing)
/// every test that asks for it is skipped, and where it failed to start every such test fails with the reason.
/// A project's fixture derives from it and supplies its test framework's skip.
/// </summary>
public abstract class PrivateDockerFixture : IAsyncDisposable
{
    private DockerDaemon? _daemon;
    private string? _skipReason;
    private Exception? _startFailure;

    protected async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        _skipReason = DockerDaemon.UnavailableReason();
        if (_skipReason is not null) return;
        try
        {
            _daemon = await DockerDaemon.StartAsync(cancellationToken);
            _daemon.EnsureBusyboxImage();
        }
        catch (Exception e)
        {
            _startFailure = e;
        }
    }

    /// <summary>Skips the calling test (the test framework's skip: it throws).</summary>
    [DoesNotReturn]
    protected abstract void Skip(string reason);

    /// <summary>The running daemon; skips the calling test when none can run here.</summary>
    public DockerDaemon Daemon
    {
        get
        {
            if (_skipReason is not null) Skip(_skipReason);
            if (_startFailure is not null) throw new InvalidOperationException("the private dockerd did not start", _startFailure);
            return _daemon!;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_daemon is not null) await _daemon.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
