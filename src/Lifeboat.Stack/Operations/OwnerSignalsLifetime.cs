using Microsoft.Extensions.Hosting;

namespace Lifeboat.Stack.Operations;

/// <summary>
/// The web host's lifetime when the process that embeds it handles SIGTERM and Ctrl-C itself (the daemon, the dashboard
/// command): the default console lifetime would register a second handler for the same signals and stop the host on its
/// own, racing the owner's orderly shutdown (finish the running job, then stop the server).
/// </summary>
internal sealed class OwnerSignalsLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
