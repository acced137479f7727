using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Lifeboat.Engine.Storage.Rest;

/// <summary>
/// <c>rclone:remote:path</c>, as restic does it: starts <c>rclone serve restic --stdio --b2-hard-delete
/// --drive-use-trash=false remote:path</c> and speaks the REST protocol (HTTP/2) over the child's stdin and stdout, one
/// connection. Options: <c>-o rclone.program</c> (default rclone), <c>-o rclone.args</c> (replaces the arguments before
/// the remote), <c>-o rclone.connections</c> (default 5), <c>-o rclone.timeout</c> (how long rclone may take to answer
/// at first, default 1m). When rclone dies, every operation fails in one line naming rclone and the last thing it said.
/// </summary>
public sealed class RcloneBackend : BackendDecorator
{
    public static readonly IReadOnlyList<string> DefaultArgs = ["serve", "restic", "--stdio", "--b2-hard-delete", "--drive-use-trash=false"];

    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(1);

    private readonly RcloneProcess _process;

    private RcloneBackend(RestBackend rest, RcloneProcess process) : base(rest) => _process = process;

    /// <summary>rclone's process ID (for tests that kill it).</summary>
    public int ProcessId => _process.ProcessId;

    public static RcloneBackend Open(string location, BackendSettings settings)
    {
        var remote = location.StartsWith("rclone:", StringComparison.Ordinal) ? location["rclone:".Length..] : location;
        if (remote.Length == 0) throw BackendException.Permanent("invalid repository rclone: want rclone:remote:path (a remote from rclone's config, or a local path)");
        var argv = new List<string>();
        argv.AddRange(settings.Option("rclone.program") is { Length: > 0 } program ? ShellWords.Split(program, "rclone.program") : ["rclone"]);
        if (argv.Count == 0) throw BackendException.Permanent("invalid option rclone.program: it names no program");
        argv.AddRange(settings.Option("rclone.args") is { } args ? ShellWords.Split(args, "rclone.args") : DefaultArgs);
        argv.Add(remote);
        int connections = settings.Connections("rclone", RestBackend.DefaultConnections);
        var timeout = DefaultTimeout;
        if (settings.Option("rclone.timeout") is { } text && (!TryParseDuration(text, out timeout) || timeout <= TimeSpan.Zero))
            throw BackendException.Permanent($"invalid option rclone.timeout=\"{text}\": want a duration such as 30s, 1m or 1m30s");

        var process = RcloneProcess.Start(argv, location);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = (_, _) => ValueTask.FromResult(process.Connect(location)),
            // One connection for the life of the child: never closed for being idle or old.
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            EnableMultipleHttp2Connections = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
        };
        var rest = new RestBackend(location, new Uri("http://localhost/"), handler, connections, authorization: null,
            HttpVersion.Version20, HttpVersionPolicy.RequestVersionExact, "rclone");
        if (settings.StuckRequestTimeout is { } stuck) rest.IdleTimeout = stuck;
        var backend = new RcloneBackend(rest, process);
        try
        {
            backend.WaitUntilServingAsync(timeout).GetAwaiter().GetResult();
        }
        catch
        {
            backend.Dispose();
            throw;
        }
        return backend;
    }

    /// <summary>Asks for a file that does not exist until rclone answers (restic's start-up probe).</summary>
    private async Task WaitUntilServingAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        var probe = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var exited = _process.ExitedSoonAsync(Timeout.InfiniteTimeSpan);
        var answer = Inner.StatAsync(FileType.Lock, probe, limit.Token);
        var first = await Task.WhenAny(answer, exited, Task.Delay(timeout)).ConfigureAwait(false);
        if (first == answer)
        {
            try
            {
                await answer.ConfigureAwait(false);
                return;
            }
            catch (BackendFileNotFoundException) { return; }
            catch (BackendException e)
            {
                if (await _process.ExitedSoonAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false))
                    throw BackendException.Permanent($"{Location}: rclone could not serve the repository{_process.Exit()}", e);
                throw BackendException.Permanent($"{Location}: rclone does not answer as a restic REST server: {e.Message}{_process.Exit()}", e);
            }
        }
        await limit.CancelAsync().ConfigureAwait(false);
        try { await answer.ConfigureAwait(false); } catch (Exception e) when (e is BackendException or OperationCanceledException) { }
        if (first == exited || _process.HasExited)
            throw BackendException.Permanent($"{Location}: rclone could not serve the repository{_process.Exit()}");
        throw BackendException.Permanent($"{Location}: rclone did not answer within {timeout.TotalSeconds:0} s{_process.Exit()}; a slow remote may need -o rclone.timeout=5m");
    }

    /// <summary>A failure of the connection is rclone's failure when it has exited: say so, with what it printed.</summary>
    private async Task<Exception?> DiedAsync(BackendException e)
    {
        if (e.Kind == BackendErrorKind.NotFound) return null;
        if (!await _process.ExitedSoonAsync(TimeSpan.FromMilliseconds(500)).ConfigureAwait(false)) return null;
        return BackendException.Permanent($"{Location}: rclone is gone{_process.Exit()}; the operation cannot go on: check the remote and run again", e);
    }

    private async Task<T> GuardAsync<T>(Func<Task<T>> operation)
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (BackendException e)
        {
            if (await DiedAsync(e).ConfigureAwait(false) is { } died) throw died;
            throw;
        }
    }

    private Task GuardAsync(Func<Task> operation) => GuardAsync(async () => { await operation().ConfigureAwait(false); return true; });

    public override Task CreateAsync(CancellationToken cancellationToken) => GuardAsync(() => Inner.CreateAsync(cancellationToken));

    public override Task<long> StatAsync(FileType type, string name, CancellationToken cancellationToken) =>
        GuardAsync(() => Inner.StatAsync(type, name, cancellationToken));

    public override Task ReadAsync(FileType type, string name, long offset, Memory<byte> destination, CancellationToken cancellationToken) =>
        GuardAsync(() => Inner.ReadAsync(type, name, offset, destination, cancellationToken));

    public override Task<Stream> OpenReadAsync(FileType type, string name, long offset, long length, CancellationToken cancellationToken) =>
        GuardAsync(() => Inner.OpenReadAsync(type, name, offset, length, cancellationToken));

    public override Task<byte[]> ReadAllAsync(FileType type, string name, CancellationToken cancellationToken) =>
        GuardAsync(() => Inner.ReadAllAsync(type, name, cancellationToken));

    public override Task SaveAsync(FileType type, string name, SaveSource source, CancellationToken cancellationToken) =>
        GuardAsync(() => Inner.SaveAsync(type, name, source, cancellationToken));

    public override Task DeleteAsync(FileType type, string name, CancellationToken cancellationToken) =>
        GuardAsync(() => Inner.DeleteAsync(type, name, cancellationToken));

    public override async IAsyncEnumerable<BackendFile> ListAsync(FileType type, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var files = Inner.ListAsync(type, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            BackendException? failure = null;
            bool more = false;
            try
            {
                more = await files.MoveNextAsync().ConfigureAwait(false);
            }
            catch (BackendException e)
            {
                failure = e;
            }
            if (failure is not null)
            {
                if (await DiedAsync(failure).ConfigureAwait(false) is { } died) throw died;
                throw failure;
            }
            if (!more) yield break;
            yield return files.Current;
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        _process.Dispose();
    }

    /// <summary>Go's durations as restic's options take them: 90s, 1m, 1m30s, 1.5h, 500ms.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration) => GoDuration.TryParse(text.Trim(), out duration);
}
