using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests.Dumps;

/// <summary>
/// What the tests against a real database server share: a server of their own for each test (skipped where it cannot
/// run here), a temporary folder and a repository beside it, all removed afterwards.
/// </summary>
public abstract class DatabaseDumpTests<TServer> : IDisposable where TServer : DatabaseServerProcess
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;
    protected TempDirectory Temp { get; } = new();
    internal DumpTestStack Stack { get; }
    private readonly TServer? _server;
    private readonly string? _unavailable;

    /// <param name="unavailable">Why the server cannot run here, or null.</param>
    protected DatabaseDumpTests(string? unavailable, Func<TServer> start)
    {
        Stack = new DumpTestStack(Temp);
        _unavailable = unavailable;
        if (unavailable is null) _server = start();
    }

    protected TServer Server
    {
        get
        {
            if (_server is null) Assert.Skip(_unavailable ?? "no server");
            return _server!;
        }
    }

    public void Dispose()
    {
        _server?.Dispose();
        Temp.Dispose();
        GC.SuppressFinalize(this);
    }
}
