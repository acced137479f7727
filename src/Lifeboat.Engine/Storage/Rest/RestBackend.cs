using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Lifeboat.Engine.Storage.Rest;

/// <summary>
/// A repository behind restic's REST protocol (rest-server, <c>rclone serve restic</c>): <c>rest:http(s)://[user:pass@]host:port/path</c>.
/// Files are flat per type (<c>data/NAME</c>, the server shards them), listings are v2 (names and sizes, read as they
/// arrive), saves are streamed with their exact length, ranges are read with Range and checked for their length.
/// </summary>
/// <remarks>
/// Statuses keep <see cref="IBackend"/>'s contract: 404 is not found (and a delete of a missing file succeeds), 5xx, 408,
/// 429, lost or refused connections and a request that makes no progress for <see cref="IdleTimeout"/> are transient,
/// 401 and 403 are permanent with a line that says what to do. Nothing a server sends can make memory grow without
/// bound: whole-file reads are capped (<see cref="MaxReadAllBytes"/>) and listings are parsed an entry at a time.
/// </remarks>
public sealed class RestBackend : IBackend
{
    public const string ContentTypeV2 = "application/vnd.x.restic.rest.v2";

    /// <summary>restic's default number of concurrent requests (<c>-o rest.connections</c>).</summary>
    public const int DefaultConnections = 5;

    private static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient _client;
    private readonly Uri _base;
    private readonly SemaphoreSlim _slots;
    private readonly AuthenticationHeaderValue? _authorization;
    private readonly Version _version;
    private readonly HttpVersionPolicy _versionPolicy;
    private readonly string _server;

    internal RestBackend(string location, Uri baseUri, HttpMessageHandler handler, int connections, AuthenticationHeaderValue? authorization,
        Version version, HttpVersionPolicy versionPolicy, string serverName)
    {
        Location = location;
        _base = baseUri;
        Connections = connections;
        _slots = new SemaphoreSlim(connections, connections);
        _authorization = authorization;
        _version = version;
        _versionPolicy = versionPolicy;
        _server = serverName;
        // Timeouts are the watchdog's (no progress for IdleTimeout), never one limit for a whole transfer.
        _client = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Opens <c>rest:URL</c> with restic's options: <c>-o rest.connections=N</c> (default 5), --cacert.</summary>
    public static RestBackend Open(string location, BackendSettings settings)
    {
        var parsed = RestLocation.Parse(location, settings.Environment);
        int connections = settings.Connections("rest", DefaultConnections);
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = DefaultConnectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            MaxResponseHeadersLength = 64,
            // A listing is read while other requests run; the semaphore, not the pool, bounds the requests in flight.
            MaxConnectionsPerServer = int.MaxValue,
        };
        if (settings.CaCertificateFiles.Count > 0)
            handler.SslOptions.RemoteCertificateValidationCallback = TrustAlso(LoadCertificates(settings.CaCertificateFiles));
        AuthenticationHeaderValue? authorization = null;
        if (parsed.User is not null || parsed.Password is not null)
            authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{parsed.User}:{parsed.Password}")));
        var backend = new RestBackend(parsed.Display, parsed.BaseUri, handler, connections, authorization, HttpVersion.Version11,
            HttpVersionPolicy.RequestVersionOrLower, "the REST server");
        if (settings.StuckRequestTimeout is { } stuck) backend.IdleTimeout = stuck;
        return backend;
    }

    public string Location { get; }
    public int Connections { get; }
    public bool IsLocal => false;

    /// <summary>A request that sends and receives nothing for this long is cancelled and counts as transient (restic's stuck-request timeout).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The largest whole file <see cref="ReadAllAsync"/> accepts: packs are at most 128 MiB in restic, anything else far less.</summary>
    public static long MaxReadAllBytes(FileType type) => type == FileType.Pack ? 512L << 20 : 256L << 20;

    private Uri FileUri(FileType type, string name) => new(_base, type == FileType.Config ? "config" : $"{BackendPaths.Folder(type, false)}/{name}");

    private string What(string verb, FileType type, string name) => $"{Location}: {verb} {BackendPaths.Describe(type, name)}";

    private HttpRequestMessage Request(HttpMethod method, Uri uri)
    {
        var request = new HttpRequestMessage(method, uri) { Version = _version, VersionPolicy = _versionPolicy };
        request.Headers.TryAddWithoutValidation("Accept", ContentTypeV2);
        if (_authorization is not null) request.Headers.Authorization = _authorization;
        return request;
    }

    /// <summary>One request under a connection slot and a watchdog; every failure leaves as a classified <see cref="BackendException"/>.</summary>
    private async Task<T> RunAsync<T>(string what, Func<ProgressWatchdog, Task<T>> send, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var watchdog = new ProgressWatchdog(IdleTimeout, cancellationToken);
            try
            {
                return await send(watchdog).ConfigureAwait(false);
            }
            catch (Exception e) when (Translate(e, what, watchdog, cancellationToken) is { } mapped)
            {
                throw mapped;
            }
        }
        finally
        {
            _slots.Release();
        }
    }

    private Exception? Translate(Exception e, string what, ProgressWatchdog watchdog, CancellationToken cancellationToken) =>
        Translate(e, what, watchdog.Fired, cancellationToken);

    /// <param name="stalled">The watchdog, not the caller, cancelled the request.</param>
    private Exception? Translate(Exception e, string what, bool stalled, CancellationToken cancellationToken)
    {
        if (e is BackendException) return null;
        if (e is OperationCanceledException && cancellationToken.IsCancellationRequested) return null;
        if (stalled && e is OperationCanceledException or IOException or HttpRequestException)
            return BackendException.Transient($"{what}: {_server} sent or took nothing for {Describe(IdleTimeout)}; cancelled", e);
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is BackendException backend) return new BackendException(backend.Kind, backend.Message, e);
            if (inner is AuthenticationException)
                return BackendException.Permanent($"{what}: the TLS connection to {_base.Host} failed ({OneLine(inner.Message)}); for a self-signed certificate pass its CA with --cacert", e);
        }
        if (e is HttpRequestException or IOException or SocketException or OperationCanceledException)
            return BackendException.Transient($"{what}: {Cause(e)}", e);
        return null;
    }

    private static string Cause(Exception e)
    {
        var innermost = e;
        while (innermost.InnerException is not null) innermost = innermost.InnerException;
        string outer = OneLine(e.Message), inner = OneLine(innermost.Message);
        // "Connection refused (127.0.0.1:8000)" names the endpoint; "An error occurred while sending…" needs its cause.
        return outer.Contains(inner, StringComparison.Ordinal) ? outer : $"{outer} ({inner})";
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();

    private static string Describe(TimeSpan span) => span.TotalMinutes >= 1
        ? $"{span.TotalMinutes:0.#} minute{(span.TotalMinutes == 1 ? "" : "s")}"
        : $"{span.TotalSeconds:0.#} second{(span.TotalSeconds == 1 ? "" : "s")}";

    private BackendException StatusError(string what, HttpResponseMessage response, string? forbidden = null)
    {
        int code = (int)response.StatusCode;
        string status = $"{code} {Printable(response.ReasonPhrase)}".TrimEnd();
        if (code == 401)
            return BackendException.Permanent($"{what}: {_server} refused the credentials ({status}); check the user and password in the repository URL");
        if (code == 403)
            return BackendException.Permanent($"{what}: {_server} refused it ({status}){forbidden ?? "; check that this user may use this repository"}");
        if (code >= 500 || code == 429 || code == 408)
            return BackendException.Transient($"{what}: {_server} answered {status}");
        return BackendException.Permanent($"{what}: {_server} answered {status}");
    }

    /// <summary>A server's reason phrase, reduced to what is safe to print on one line.</summary>
    private static string Printable(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var sb = new StringBuilder();
        foreach (char c in text)
        {
            if (sb.Length >= 60) break;
            if (c >= ' ' && c < 127) sb.Append(c);
        }
        return sb.ToString();
    }

    public async Task CreateAsync(CancellationToken cancellationToken)
    {
        if (await this.ExistsAsync(FileType.Config, "config", cancellationToken).ConfigureAwait(false))
            throw BackendException.Permanent($"repository {Location} already exists: it has a config file");
        var what = $"{Location}: creating the repository";
        await RunAsync(what, async watchdog =>
        {
            using var request = Request(HttpMethod.Post, new Uri(_base, "?create=true"));
            request.Content = new ByteArrayContent([]);
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, watchdog.Token).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK) throw StatusError(what, response);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task<long> StatAsync(FileType type, string name, CancellationToken cancellationToken)
    {
        var what = What("reading the size of", type, name);
        return RunAsync(what, async watchdog =>
        {
            using var request = Request(HttpMethod.Head, FileUri(type, name));
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, watchdog.Token).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound) throw new BackendFileNotFoundException(type, name, Location);
            if (response.StatusCode != HttpStatusCode.OK) throw StatusError(what, response);
            return response.Content.Headers.ContentLength is { } length and >= 0
                ? length
                : throw BackendException.Permanent($"{what}: {_server} sent no Content-Length");
        }, cancellationToken);
    }

    public async Task ReadAsync(FileType type, string name, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var what = What("reading", type, name);
        if (offset < 0) throw new ArgumentOutOfRangeException(nameof(offset));
        if (destination.Length == 0)
        {
            long size = await StatAsync(type, name, cancellationToken).ConfigureAwait(false);
            if (offset > size) throw Short(what, destination.Length, offset, size);
            return;
        }
        await RunAsync(what, async watchdog =>
        {
            using var request = Request(HttpMethod.Get, FileUri(type, name));
            request.Headers.Range = new RangeHeaderValue(offset, offset + destination.Length - 1);
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, watchdog.Token).ConfigureAwait(false);
            watchdog.Progress();
            CheckRange(what, response, type, name, offset, destination.Length);
            await using var body = await response.Content.ReadAsStreamAsync(watchdog.Token).ConfigureAwait(false);
            int done = 0;
            while (done < destination.Length)
            {
                int n = await body.ReadAsync(destination[done..], watchdog.Token).ConfigureAwait(false);
                if (n == 0) throw BackendException.Transient($"{what}: the connection ended after {done} of {destination.Length} bytes");
                done += n;
                watchdog.Progress();
            }
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The answer to a ranged GET: the range asked for, or the whole file when the range starts at 0; else the contract's error.</summary>
    private void CheckRange(string what, HttpResponseMessage response, FileType type, string name, long offset, long length)
    {
        switch (response.StatusCode)
        {
            case HttpStatusCode.NotFound:
                throw new BackendFileNotFoundException(type, name, Location);
            case HttpStatusCode.RequestedRangeNotSatisfiable:
                throw Short(what, length, offset, response.Content.Headers.ContentRange?.Length);
            case HttpStatusCode.PartialContent:
                var range = response.Content.Headers.ContentRange;
                if (range?.From is { } from && from != offset)
                    throw BackendException.Permanent($"{what}: {_server} sent bytes from {from}, not from {offset}");
                if (response.Content.Headers.ContentLength is { } sent && sent != length)
                {
                    if (range?.Length is { } total && total < offset + length) throw Short(what, length, offset, total);
                    throw BackendException.Permanent($"{what}: {_server} sent {sent} bytes for a range of {length}");
                }
                return;
            case HttpStatusCode.OK:
                // The whole file instead of the range: usable only from its start.
                if (offset != 0)
                    throw BackendException.Permanent($"{what}: {_server} ignored the Range header (sent the whole file); it does not speak restic's REST protocol");
                if (response.Content.Headers.ContentLength is { } whole && whole < length)
                    throw Short(what, length, offset, whole);
                return;
            default:
                throw StatusError(what, response);
        }
    }

    /// <summary>One ranged GET whose body is handed out as it arrives; the connection slot is held until the stream is disposed.</summary>
    public async Task<Stream> OpenReadAsync(FileType type, string name, long offset, long length, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length == 0) return await RangeReadStream.OpenAsync(this, type, name, offset, length, cancellationToken).ConfigureAwait(false);
        var what = What("reading", type, name);
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        HttpResponseMessage? response = null;
        bool handedOut = false;
        try
        {
            using var watchdog = new ProgressWatchdog(IdleTimeout, cancellationToken);
            try
            {
                using var request = Request(HttpMethod.Get, FileUri(type, name));
                request.Headers.Range = new RangeHeaderValue(offset, offset + length - 1);
                response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, watchdog.Token).ConfigureAwait(false);
                watchdog.Progress();
                CheckRange(what, response, type, name, offset, length);
                var body = await response.Content.ReadAsStreamAsync(watchdog.Token).ConfigureAwait(false);
                var owned = response;
                var stream = new ResponseBodyStream(body, length, what, IdleTimeout, (e, stalled) => Translate(e, what, stalled, CancellationToken.None),
                    () => { owned.Dispose(); _slots.Release(); });
                handedOut = true;
                return stream;
            }
            catch (Exception e) when (Translate(e, what, watchdog, cancellationToken) is { } mapped)
            {
                throw mapped;
            }
        }
        finally
        {
            if (!handedOut)
            {
                response?.Dispose();
                _slots.Release();
            }
        }
    }

    private static BackendException Short(string what, long length, long offset, long? size) =>
        BackendException.Permanent($"{what}: the file is shorter than expected: wanted {length} bytes at offset {offset}" +
            (size is { } s ? $", it has {s}" : ""));

    public Task<byte[]> ReadAllAsync(FileType type, string name, CancellationToken cancellationToken)
    {
        var what = What("reading", type, name);
        long cap = MaxReadAllBytes(type);
        return RunAsync(what, async watchdog =>
        {
            using var request = Request(HttpMethod.Get, FileUri(type, name));
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, watchdog.Token).ConfigureAwait(false);
            watchdog.Progress();
            if (response.StatusCode == HttpStatusCode.NotFound) throw new BackendFileNotFoundException(type, name, Location);
            if (response.StatusCode != HttpStatusCode.OK) throw StatusError(what, response);
            long? length = response.Content.Headers.ContentLength;
            if (length > cap)
                throw BackendException.Permanent($"{what}: {_server} announced {length} bytes, more than the {cap >> 20} MiB such a file can have");
            await using var body = await response.Content.ReadAsStreamAsync(watchdog.Token).ConfigureAwait(false);
            if (length is { } known)
            {
                var data = new byte[known];
                int done = 0;
                while (done < data.Length)
                {
                    int n = await body.ReadAsync(data.AsMemory(done), watchdog.Token).ConfigureAwait(false);
                    if (n == 0) throw BackendException.Transient($"{what}: the connection ended after {done} of {known} bytes");
                    done += n;
                    watchdog.Progress();
                }
                return data;
            }
            // No length announced (chunked): grow as bytes arrive, up to the cap.
            using var collected = new MemoryStream();
            var buffer = new byte[81920];
            while (true)
            {
                int n = await body.ReadAsync(buffer, watchdog.Token).ConfigureAwait(false);
                if (n == 0) break;
                if (collected.Length + n > cap)
                    throw BackendException.Permanent($"{what}: {_server} sent more than the {cap >> 20} MiB such a file can have");
                collected.Write(buffer, 0, n);
                watchdog.Progress();
            }
            return collected.ToArray();
        }, cancellationToken);
    }

    public StagingFile CreateStagingFile(FileType type) => StagingFile.InTempDirectory();

    public async Task SaveAsync(FileType type, string name, SaveSource source, CancellationToken cancellationToken)
    {
        var what = What("saving", type, name);
        bool forbidden = await RunAsync(what, async watchdog =>
        {
            using var request = Request(HttpMethod.Post, FileUri(type, name));
            // Streamed from the source (a staged pack is never held in memory), with its exact length: no chunked encoding.
            request.Content = new StreamContent(new ProgressStream(source.OpenRead(), watchdog), 64 * 1024);
            request.Content.Headers.ContentLength = source.Length;
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, watchdog.Token).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Forbidden) return true;
            if (!response.IsSuccessStatusCode) throw StatusError(what, response);
            return false;
        }, cancellationToken).ConfigureAwait(false);
        if (!forbidden) return;

        // An append-only server refuses to overwrite. Names are hashes of the content: when the file is there with this
        // length, an earlier attempt (whose answer was lost) saved these very bytes.
        if (type != FileType.Config)
        {
            try
            {
                if (await StatAsync(type, name, cancellationToken).ConfigureAwait(false) == source.Length) return;
            }
            catch (BackendFileNotFoundException) { }
        }
        throw BackendException.Permanent($"{what}: {_server} refused it (403 Forbidden); the server is append-only and the file exists, or this user may not write here");
    }

    public Task DeleteAsync(FileType type, string name, CancellationToken cancellationToken)
    {
        var what = What("removing", type, name);
        return RunAsync(what, async watchdog =>
        {
            using var request = Request(HttpMethod.Delete, FileUri(type, name));
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, watchdog.Token).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound || response.IsSuccessStatusCode) return true;
            throw StatusError(what, response,
                "; the server is append-only (it keeps everything but locks) or this user may not delete; run forget and prune against a server that allows deletes");
        }, cancellationToken);
    }

    public async IAsyncEnumerable<BackendFile> ListAsync(FileType type, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (type == FileType.Config)
        {
            long size;
            try { size = await StatAsync(FileType.Config, "config", cancellationToken).ConfigureAwait(false); }
            catch (BackendFileNotFoundException) { yield break; }
            yield return new BackendFile("config", size);
            yield break;
        }

        var what = $"{Location}: listing {BackendPaths.Folder(type, false)}";
        using var watchdog = new ProgressWatchdog(IdleTimeout, cancellationToken);
        // The slot is held for the request, not for reading the listing: the caller may use the backend between entries.
        var response = await RunAsync(what, async _ =>
        {
            watchdog.Progress(); // the wait for a free slot is not the server's silence
            var request = Request(HttpMethod.Get, new Uri(_base, BackendPaths.Folder(type, false) + "/"));
            try
            {
                return await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, watchdog.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (Translate(e, what, watchdog, cancellationToken) is { } mapped)
            {
                request.Dispose();
                throw mapped;
            }
        }, cancellationToken).ConfigureAwait(false);
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.NotFound) yield break;
            if (response.StatusCode != HttpStatusCode.OK) throw StatusError(what, response);
            bool v2 = response.Content.Headers.ContentType?.MediaType == ContentTypeV2;
            Stream raw;
            try { raw = await response.Content.ReadAsStreamAsync(watchdog.Token).ConfigureAwait(false); }
            catch (Exception e) when (Translate(e, what, watchdog, cancellationToken) is { } mapped) { throw mapped; }
            await using var body = new ProgressStream(raw, watchdog);
            await using var entries = RestListingParser.ParseAsync(body, what, watchdog.Token).GetAsyncEnumerator(watchdog.Token);
            while (true)
            {
                RestListingParser.Entry entry;
                try
                {
                    watchdog.Progress();
                    if (!await entries.MoveNextAsync().ConfigureAwait(false)) break;
                    entry = entries.Current;
                }
                catch (Exception e) when (Translate(e, what, watchdog, cancellationToken) is { } mapped) { throw mapped; }
                if (!BackendPaths.IsValidName(entry.Name)) continue;
                // The caller's time between entries is not the server's silence.
                watchdog.Pause();
                // A v1 server lists names only: their sizes take one HEAD each (as restic does).
                long size = entry.Size ?? await StatAsync(type, entry.Name, cancellationToken).ConfigureAwait(false);
                yield return new BackendFile(entry.Name, size);
            }
        }
    }

    /// <summary>The certificates of the PEM files given with --cacert.</summary>
    internal static X509Certificate2Collection LoadCertificates(IReadOnlyList<string> files)
    {
        var roots = new X509Certificate2Collection();
        foreach (var file in files)
        {
            int before = roots.Count;
            try
            {
                roots.ImportFromPemFile(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                throw BackendException.Permanent($"--cacert {file}: {OneLine(e.Message)}");
            }
            if (roots.Count == before) throw BackendException.Permanent($"--cacert {file}: no PEM certificate in the file");
        }
        return roots;
    }

    /// <summary>Trusts the system's roots and, besides them, these (restic's --cacert adds to the system pool).</summary>
    internal static RemoteCertificateValidationCallback TrustAlso(X509Certificate2Collection roots) => (_, certificate, chain, errors) =>
    {
        if (errors == SslPolicyErrors.None) return true;
        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is not X509Certificate2 leaf) return false;
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(roots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
            foreach (var element in chain.ChainElements) custom.ChainPolicy.ExtraStore.Add(element.Certificate);
        return custom.Build(leaf);
    };

    public void Dispose()
    {
        _client.Dispose();
        _slots.Dispose();
    }
}
