namespace Lifeboat.Stack.Operations;

/// <summary>One GET endpoint of the daemon: its path, the content type and the body, rendered per request.</summary>
public sealed record DaemonEndpoint(string Path, string ContentType, Func<CancellationToken, Task<string>> Render);
