using Lifeboat.TestSupport;

namespace Lifeboat.Storage.Tests;

/// <summary>One private sshd per test class (a class fixture); the tests skip with the reason when none can run here.</summary>
public sealed class SshServerFixture : IDisposable
{
    private readonly Lazy<SshServer> _server = new(() => new SshServer());

    public SshServer Server
    {
        get
        {
            if (SshServer.UnavailableReason() is { } reason) Assert.Skip(reason);
            return _server.Value;
        }
    }

    public void Dispose()
    {
        if (_server.IsValueCreated) _server.Value.Dispose();
    }
}
