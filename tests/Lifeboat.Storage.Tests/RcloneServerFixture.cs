using Lifeboat.TestSupport;

namespace Lifeboat.Storage.Tests;

/// <summary>One plain <c>rclone serve restic</c> for a test class; each test uses a path of its own on it.</summary>
public sealed class RcloneServerFixture : IDisposable
{
    public RcloneServer Server { get; } = new();

    public void Dispose() => Server.Dispose();
}
