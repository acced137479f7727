using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;

namespace Lifeboat.Engine.Storage.S3;

/// <summary>
/// A repository in an S3 bucket (AWS, Ceph RADOS Gateway, MinIO, s3rver, …) under an optional prefix, in restic's default
/// layout (packs sharded as data/xx/NAME; new repositories) or the older s3legacy one (detected on open).
/// </summary>
/// <remarks>
/// A compact S3 client of its own on HttpClient (SigV4, PUT, GET with Range, HEAD, DELETE, ListObjectsV2, CreateBucket)
/// rather than AWSSDK.S3. The SDK (4.1) was tried first: it publishes warning-free as Native AOT and a put/get against
/// s3rver worked, but only after configuring away its defaults (flexible checksums sent as aws-chunked trailers, which
/// s3rver stores verbatim; its own retries, credential chain and region lookup that read the process environment), it
/// adds about 10 MB to the native binary, and its exceptions still had to be mapped to the contract's kinds. The few
/// requests a repository needs are kept exact here instead: plain bodies with a Content-Length and Content-MD5, the
/// payload signed over HTTP and UNSIGNED-PAYLOAD over HTTPS (TLS protects it, and a staged pack is not read an extra
/// time for its hash), a stall watchdog, and every failure one line of the contract's kinds.
/// </remarks>
public sealed partial class S3Backend : IBackend
{
    /// <summary>A request that neither answers nor moves a byte for this long is cut and counted as transient.</summary>
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromMinutes(2);

    private const int MaxErrorBody = 64 * 1024;
    private const int MaxListingBody = 32 * 1024 * 1024;

    private readonly S3Location _location;
    private readonly S3Credentials _credentials;
    private readonly S3Options _options;
    private readonly HttpClient _http;
    private readonly bool _virtualHost;
    private readonly string _keyPrefix;
    private readonly SemaphoreSlim _openGate = new(1, 1);
    private volatile string _region;
    private volatile bool _opened;
    private bool _s3Legacy;

    public S3Backend(S3Location location, S3Credentials credentials, S3Options options, IReadOnlyList<string> caCertificateFiles)
    {
        _location = location;
        _credentials = credentials;
        _options = options;
        _region = options.Region ?? RegionFromHost(location.Endpoint) ?? "us-east-1";
        _keyPrefix = location.Prefix.Length == 0 ? "" : location.Prefix + "/";
        _virtualHost = options.BucketLookup switch
        {
            S3BucketLookup.Dns => true,
            S3BucketLookup.Path => false,
            // minio-go's "auto", as restic uses it: virtual-hosted on Amazon when the bucket name can be a host name
            // (over HTTPS without dots, or the certificate would not match), path style everywhere else.
            _ => IsAmazon(location.Endpoint) && IsDnsCompatible(location.Bucket) && (location.UseHttp || !location.Bucket.Contains('.')),
        };
        _s3Legacy = options.Layout == "s3legacy";
        Connections = options.Connections;
        IdleTimeout = DefaultIdleTimeout;
        _http = CreateHttpClient(options.Connections, LoadCertificates(caCertificateFiles));
    }

    /// <summary>Opens an <c>s3:</c> location with the settings' options, credentials and CA certificates; no request is made yet.</summary>
    public static S3Backend Open(string location, BackendSettings settings)
    {
        var backend = new S3Backend(S3Location.Parse(location), S3Credentials.Resolve(settings.Environment), S3Options.From(settings), settings.CaCertificateFiles);
        if (settings.StuckRequestTimeout is { } stuck) backend.IdleTimeout = stuck;
        return backend;
    }

    public string Location => _location.ToString();
    public int Connections { get; }
    public bool IsLocal => false;
    public TimeSpan IdleTimeout { get; set; }
    public bool IsS3Legacy => _s3Legacy;
    public S3Location S3Location => _location;
    public string Region => _region;

    private string Bucket => _location.Bucket;

    private string Key(FileType type, string name) => _keyPrefix + BackendPaths.RelativePath(type, name, _s3Legacy);

    // ---------------------------------------------------------------- operations

    public async Task CreateAsync(CancellationToken cancellationToken)
    {
        bool exists;
        try
        {
            await ListPageAsync(_keyPrefix, null, 1, cancellationToken).ConfigureAwait(false);
            exists = true;
        }
        catch (BucketMissingException)
        {
            exists = false;
        }
        if (!exists) await CreateBucketAsync(cancellationToken).ConfigureAwait(false);
        _s3Legacy = _options.Layout == "s3legacy";
        _opened = true;
        if (await ObjectSizeAsync(FileType.Config, "config", cancellationToken).ConfigureAwait(false) is not null)
            throw BackendException.Permanent($"repository {Location} already exists: it has a config file");
    }

    private async Task CreateBucketAsync(CancellationToken cancellationToken)
    {
        byte[] body = _region == "us-east-1"
            ? []
            : Encoding.UTF8.GetBytes($"<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>{System.Security.SecurityElement.Escape(_region)}</LocationConstraint></CreateBucketConfiguration>");
        var source = SaveSource.FromMemory(body);
        await RunAsync($"creating bucket {Bucket}", async watchdog =>
        {
            using var response = await SendAsync(HttpMethod.Put, null, [], watchdog, body.Length == 0 ? null : source, null).ConfigureAwait(false);
            if (response.IsSuccessStatusCode) return true;
            var error = await ReadErrorAsync(response, watchdog).ConfigureAwait(false);
            // Made by us a moment ago (a retry), or by someone else with these credentials: either way it is there.
            if (error.Code is "BucketAlreadyOwnedByYou") return true;
            if (error.Code is "BucketAlreadyExists")
                throw BackendException.Permanent($"s3: cannot create bucket {Bucket}: the name is taken by another account; choose another bucket name");
            throw Classify(error, $"creating bucket {Bucket}");
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <remarks>
    /// In a bucket that does not exist no file exists either: that is "not found" here (so that init, which asks whether a
    /// config exists before it creates the repository, goes on to create the bucket), while reading, listing, saving or
    /// deleting there fails as "bucket X does not exist (create it or run init)".
    /// </remarks>
    public async Task<long> StatAsync(FileType type, string name, CancellationToken cancellationToken)
    {
        try
        {
            await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (BucketMissingException)
        {
            throw new BackendFileNotFoundException(type, name, Location);
        }
        return await ObjectSizeAsync(type, name, cancellationToken).ConfigureAwait(false)
            ?? throw new BackendFileNotFoundException(type, name, Location);
    }

    private Task<long?> ObjectSizeAsync(FileType type, string name, CancellationToken cancellationToken) =>
        RunAsync<long?>(BackendPaths.Describe(type, name), async watchdog =>
        {
            using var response = await SendAsync(HttpMethod.Head, Key(type, name), [], watchdog, null, null).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound) return null;
            if (!response.IsSuccessStatusCode) throw Classify(await ReadErrorAsync(response, watchdog).ConfigureAwait(false), BackendPaths.Describe(type, name));
            return response.Content.Headers.ContentLength
                ?? throw BackendException.Permanent($"s3: the server sent no size for {BackendPaths.Describe(type, name)} in {Location}");
        }, cancellationToken);

    public async IAsyncEnumerable<BackendFile> ListAsync(FileType type, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        if (type == FileType.Config)
        {
            if (await ObjectSizeAsync(FileType.Config, "config", cancellationToken).ConfigureAwait(false) is { } size)
                yield return new BackendFile("config", size);
            yield break;
        }
        string prefix = _keyPrefix + BackendPaths.Folder(type, _s3Legacy) + "/";
        string? token = null;
        while (true)
        {
            var page = await ListPageAsync(prefix, token, 1000, cancellationToken).ConfigureAwait(false);
            foreach (var (key, size) in page.Objects)
            {
                var name = key[(key.LastIndexOf('/') + 1)..];
                if (BackendPaths.IsValidName(name)) yield return new BackendFile(name, size);
            }
            if (!page.IsTruncated) yield break;
            if (string.IsNullOrEmpty(page.NextToken) || page.NextToken == token)
                throw BackendException.Permanent($"s3: listing {prefix} in bucket {Bucket}: the server said there is more but gave no new continuation token");
            token = page.NextToken;
        }
    }

    public async Task ReadAsync(FileType type, string name, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        if (destination.Length == 0)
        {
            await StatAsync(type, name, cancellationToken).ConfigureAwait(false);
            return;
        }
        string what = BackendPaths.Describe(type, name);
        await RunAsync(what, async watchdog =>
        {
            using var response = await SendRangeAsync(type, name, what, offset, destination.Length, watchdog).ConfigureAwait(false);
            await using var body = await OpenRangeBodyAsync(response, what, offset, destination.Length, watchdog).ConfigureAwait(false);
            await ReadExactlyAsync(body, destination, watchdog, what).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One ranged GET whose body is handed out as it arrives; the connection is held until the stream is disposed.</summary>
    public async Task<Stream> OpenReadAsync(FileType type, string name, long offset, long length, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length == 0) return await RangeReadStream.OpenAsync(this, type, name, offset, length, cancellationToken).ConfigureAwait(false);
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        string what = BackendPaths.Describe(type, name);
        return await RunAsync<Stream>(what, async watchdog =>
        {
            var response = await SendRangeAsync(type, name, what, offset, length, watchdog).ConfigureAwait(false);
            try
            {
                var body = await OpenRangeBodyAsync(response, what, offset, length, watchdog).ConfigureAwait(false);
                return new ResponseBodyStream(body, length, $"s3: reading {what}", IdleTimeout, (e, stalled) => Failure(e, what, stalled), response.Dispose);
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A GET of the range, its answer checked: not found, a range the object does not hold, any other error.</summary>
    private async Task<HttpResponseMessage> SendRangeAsync(FileType type, string name, string what, long offset, long length, Watchdog watchdog)
    {
        long last = offset + length - 1;
        var response = await SendAsync(HttpMethod.Get, Key(type, name), [], watchdog, null,
            request => request.Headers.Range = new RangeHeaderValue(offset, last)).ConfigureAwait(false);
        try
        {
            if (response.StatusCode == HttpStatusCode.NotFound) throw NotFoundOrBucket(await ReadErrorAsync(response, watchdog).ConfigureAwait(false), type, name);
            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable) throw ShorterThanAsked(what, offset, length);
            if (!response.IsSuccessStatusCode) throw Classify(await ReadErrorAsync(response, watchdog).ConfigureAwait(false), what);
            if (response.StatusCode == HttpStatusCode.PartialContent)
            {
                var range = response.Content.Headers.ContentRange;
                if (range?.From != offset) throw BackendException.Permanent($"s3: the server answered a range of {what} with other bytes than asked (Content-Range {range})");
                if (range.To != last || response.Content.Headers.ContentLength != length) throw ShorterThanAsked(what, offset, length);
            }
            else if (response.Content.Headers.ContentLength is not { } total || total < offset + length)
            {
                throw ShorterThanAsked(what, offset, length);
            }
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The body of a checked range answer at the range's first byte: a server that ignored Range sent the whole object, whose
    /// bytes before the offset are skipped without being kept.
    /// </summary>
    private static async Task<Stream> OpenRangeBodyAsync(HttpResponseMessage response, string what, long offset, long length, Watchdog watchdog)
    {
        var body = await response.Content.ReadAsStreamAsync(watchdog.Token).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.PartialContent && offset > 0)
        {
            try
            {
                await SkipAsync(body, offset, watchdog, what).ConfigureAwait(false);
            }
            catch
            {
                await body.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        return body;
    }

    public async Task<byte[]> ReadAllAsync(FileType type, string name, CancellationToken cancellationToken)
    {
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        string what = BackendPaths.Describe(type, name);
        return await RunAsync(what, async watchdog =>
        {
            using var response = await SendAsync(HttpMethod.Get, Key(type, name), [], watchdog, null, null).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound) throw NotFoundOrBucket(await ReadErrorAsync(response, watchdog).ConfigureAwait(false), type, name);
            if (!response.IsSuccessStatusCode) throw Classify(await ReadErrorAsync(response, watchdog).ConfigureAwait(false), what);
            if (response.Content.Headers.ContentLength is not { } length || length > Array.MaxLength)
                throw BackendException.Permanent($"s3: the server sent {what} without a usable size (Content-Length {response.Content.Headers.ContentLength?.ToString() ?? "missing"})");
            var data = new byte[length];
            await using var body = await response.Content.ReadAsStreamAsync(watchdog.Token).ConfigureAwait(false);
            await ReadExactlyAsync(body, data, watchdog, what).ConfigureAwait(false);
            return data;
        }, cancellationToken).ConfigureAwait(false);
    }

    public StagingFile CreateStagingFile(FileType type) => StagingFile.InTempDirectory();

    public async Task SaveAsync(FileType type, string name, SaveSource source, CancellationToken cancellationToken)
    {
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        string what = BackendPaths.Describe(type, name);
        var md5 = source.Md5();
        await RunAsync(what, async watchdog =>
        {
            using var response = await SendAsync(HttpMethod.Put, Key(type, name), [], watchdog, source, request =>
            {
                request.Content!.Headers.ContentMD5 = md5;
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                if (_options.StorageClass is { } storageClass) request.Headers.TryAddWithoutValidation("x-amz-storage-class", storageClass);
            }).ConfigureAwait(false);
            if (response.IsSuccessStatusCode) return true;
            var error = await ReadErrorAsync(response, watchdog).ConfigureAwait(false);
            // The body did not arrive as sent: sending it again may well work.
            if (error.Code is "BadDigest" or "IncompleteBody" or "XAmzContentSHA256Mismatch")
                throw BackendException.Transient($"s3: saving {what}: the server received other bytes than were sent ({error.Code})");
            throw Classify(error, $"saving {what}");
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteAsync(FileType type, string name, CancellationToken cancellationToken)
    {
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        string what = BackendPaths.Describe(type, name);
        await RunAsync(what, async watchdog =>
        {
            using var response = await SendAsync(HttpMethod.Delete, Key(type, name), [], watchdog, null, null).ConfigureAwait(false);
            if (response.IsSuccessStatusCode) return true;
            var error = await ReadErrorAsync(response, watchdog).ConfigureAwait(false);
            if (error.Code == "NoSuchKey" || (error.Status == HttpStatusCode.NotFound && error.Code != "NoSuchBucket")) return true;
            throw Classify(error, $"removing {what}");
        }, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _http.Dispose();
        _openGate.Dispose();
    }

    // ---------------------------------------------------------------- opening

    /// <summary>
    /// Once, before the first operation: one listing request proves that the bucket exists and the credentials work (a HEAD
    /// answer has no body to tell a missing bucket from a missing file), and tells restic's layouts apart.
    /// </summary>
    private async Task EnsureOpenAsync(CancellationToken cancellationToken)
    {
        if (_opened) return;
        await _openGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_opened) return;
            // A missing bucket is not remembered: init may create it next.
            bool legacy = false;
            var keys = await ListPageAsync(_keyPrefix + "keys/", null, 1, cancellationToken).ConfigureAwait(false);
            if (_options.Layout is null && keys.Objects.Count == 0)
                legacy = (await ListPageAsync(_keyPrefix + "key/", null, 1, cancellationToken).ConfigureAwait(false)).Objects.Count > 0;
            _s3Legacy = _options.Layout is null ? legacy : _options.Layout == "s3legacy";
            _opened = true;
        }
        finally
        {
            _openGate.Release();
        }
    }

    // ---------------------------------------------------------------- listing

    private sealed record ListPage(List<(string Key, long Size)> Objects, bool IsTruncated, string? NextToken);

    private sealed class BucketMissingException(string message) : BackendException(BackendErrorKind.Permanent, message);

    private Task<ListPage> ListPageAsync(string prefix, string? continuationToken, int maxKeys, CancellationToken cancellationToken) =>
        RunAsync($"listing {prefix}", async watchdog =>
        {
            var query = new List<(string, string)> { ("list-type", "2"), ("max-keys", maxKeys.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("prefix", prefix) };
            if (continuationToken is not null) query.Add(("continuation-token", continuationToken));
            using var response = await SendAsync(HttpMethod.Get, null, query, watchdog, null, null).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var error = await ReadErrorAsync(response, watchdog).ConfigureAwait(false);
                if (error.Code == "NoSuchBucket" || (error.Status == HttpStatusCode.NotFound && error.Code is null or ""))
                    throw new BucketMissingException($"s3: bucket {Bucket} does not exist at {_location.Endpoint} (create it or run init)");
                throw Classify(error, $"listing bucket {Bucket}");
            }
            var body = await ReadBoundedAsync(response, MaxListingBody, watchdog).ConfigureAwait(false);
            return ParseListing(body);
        }, cancellationToken);

    private ListPage ParseListing(byte[] body)
    {
        var objects = new List<(string, long)>();
        bool truncated = false;
        string? next = null;
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(body), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true, IgnoreWhitespace = true });
            string? key = null;
            long size = -1;
            int depth = -1;
            // ReadElementContentAsString leaves the reader on the next node already: read on only when nothing was consumed.
            bool consumed = false;
            while (consumed ? !reader.EOF : reader.Read())
            {
                consumed = false;
                if (reader.NodeType == XmlNodeType.EndElement && reader.LocalName == "Contents" && reader.Depth == depth)
                {
                    if (key is not null && size >= 0) objects.Add((key, size));
                    key = null;
                    size = -1;
                    depth = -1;
                    continue;
                }
                if (reader.NodeType != XmlNodeType.Element) continue;
                switch (reader.LocalName)
                {
                    case "Contents": depth = reader.Depth; break;
                    case "Key" when depth >= 0: key = reader.ReadElementContentAsString(); consumed = true; break;
                    case "Size" when depth >= 0: size = long.TryParse(reader.ReadElementContentAsString(), out var s) && s >= 0 ? s : -1; consumed = true; break;
                    case "IsTruncated" when depth < 0: truncated = reader.ReadElementContentAsString().Trim() == "true"; consumed = true; break;
                    case "NextContinuationToken" when depth < 0: next = reader.ReadElementContentAsString(); consumed = true; break;
                }
            }
        }
        catch (XmlException e)
        {
            throw BackendException.Transient($"s3: the listing of bucket {Bucket} is not valid XML: {OneLine(e.Message)}");
        }
        return new ListPage(objects, truncated, next);
    }

    // ---------------------------------------------------------------- requests

    /// <summary>
    /// Sends one signed request (a bucket request when <paramref name="key"/> is null). When the server names another region
    /// for the bucket, the request is signed for it and sent once more (the body is read again from its source).
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string? key, List<(string Name, string Value)> query, Watchdog watchdog,
        SaveSource? body, Action<HttpRequestMessage>? configure)
    {
        for (int attempt = 0; ; attempt++)
        {
            string region = _region;
            using var request = BuildRequest(method, key, query, watchdog, body, configure, region);
            var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, watchdog.Token).ConfigureAwait(false);
            watchdog.Kick();
            if (attempt == 0 && (int)response.StatusCode is 301 or 400 or 403
                && response.Headers.TryGetValues("x-amz-bucket-region", out var values) && values.FirstOrDefault() is { Length: > 0 } hinted && hinted != region)
            {
                response.Dispose();
                _region = hinted;
                continue;
            }
            return response;
        }
    }

    private HttpRequestMessage BuildRequest(HttpMethod method, string? key, List<(string Name, string Value)> query, Watchdog watchdog,
        SaveSource? body, Action<HttpRequestMessage>? configure, string region)
    {
        string host = _virtualHost ? $"{Bucket}.{_location.Endpoint}" : _location.Endpoint;
        string path = _virtualHost ? "/" : "/" + S3Signer.UriEncode(Bucket, keepSlash: false);
        if (key is not null) path = (_virtualHost ? "/" : path + "/") + S3Signer.UriEncode(key, keepSlash: true);
        string canonicalQuery = string.Join('&', query
            .Select(q => (Name: S3Signer.UriEncode(q.Name, false), Value: S3Signer.UriEncode(q.Value, false)))
            .OrderBy(q => q.Name, StringComparer.Ordinal)
            .Select(q => $"{q.Name}={q.Value}"));
        var uri = new Uri($"{(_location.UseHttp ? "http" : "https")}://{host}{path}{(canonicalQuery.Length > 0 ? "?" + canonicalQuery : "")}", UriKind.Absolute);
        var request = new HttpRequestMessage(method, uri) { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionOrLower };
        request.Headers.UserAgent.ParseAdd("lifeboat");
        string payloadHash = S3Signer.EmptyPayload;
        if (body is not null)
        {
            request.Content = new SourceContent(body, watchdog);
            payloadHash = _location.UseHttp ? Convert.ToHexStringLower(body.Sha256()) : S3Signer.UnsignedPayload;
        }
        else if (method == HttpMethod.Put)
        {
            request.Content = new ByteArrayContent([]);
        }
        configure?.Invoke(request);
        S3Signer.Sign(request, uri.Authority, path, canonicalQuery, payloadHash, _credentials, region, DateTime.UtcNow);
        return request;
    }

    /// <summary>
    /// Runs one request and turns what can go wrong on the way into the contract's kinds: a lost connection, a reset, a stall
    /// (the watchdog) are transient; an untrusted certificate is permanent.
    /// </summary>
    private async Task<T> RunAsync<T>(string what, Func<Watchdog, Task<T>> attempt, CancellationToken cancellationToken)
    {
        using var watchdog = new Watchdog(IdleTimeout, cancellationToken);
        try
        {
            return await attempt(watchdog).ConfigureAwait(false);
        }
        catch (Exception e) when (Failure(e, what, stalled: e is OperationCanceledException && !cancellationToken.IsCancellationRequested) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <summary>
    /// What went wrong on the way as the contract's kind (null: leave it as it is): a stall (<paramref name="stalled"/>: the
    /// watchdog cut the request), a lost connection or a reset are transient; an untrusted certificate is permanent.
    /// </summary>
    private BackendException? Failure(Exception e, string what, bool stalled)
    {
        if (stalled)
            return BackendException.Transient($"s3: {what} in {Location}: no answer from {_location.Endpoint} for {IdleTimeout.TotalSeconds:0} s", e);
        if (e is HttpRequestException && FindInner<AuthenticationException>(e) is { } tls)
            return BackendException.Permanent($"s3: TLS connection to {_location.Endpoint} failed: {OneLine(tls.Message)} (for a self-signed server pass its certificate with --cacert FILE)", e);
        if (e is HttpRequestException or (IOException and not BackendException))
            return BackendException.Transient($"s3: {what} in {Location}: {OneLine(e.Message)}", e);
        return null;
    }

    private static TException? FindInner<TException>(Exception e) where TException : Exception
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
            if (inner is TException found) return found;
        return null;
    }

    // ---------------------------------------------------------------- errors

    private sealed record S3Error(HttpStatusCode Status, string? Code, string? Message);

    private async Task<S3Error> ReadErrorAsync(HttpResponseMessage response, Watchdog watchdog)
    {
        string? code = null, message = null;
        try
        {
            var body = await ReadBoundedAsync(response, MaxErrorBody, watchdog, truncate: true).ConfigureAwait(false);
            if (body.Length > 0)
            {
                using var reader = XmlReader.Create(new MemoryStream(body), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
                bool consumed = false;
                while (consumed ? !reader.EOF : reader.Read())
                {
                    consumed = false;
                    if (reader.NodeType != XmlNodeType.Element || reader.Depth != 1) continue;
                    if (reader.LocalName == "Code") { code = reader.ReadElementContentAsString(); consumed = true; }
                    else if (reader.LocalName == "Message") { message = reader.ReadElementContentAsString(); consumed = true; }
                }
            }
        }
        catch (XmlException)
        {
            // Not S3's error document (a proxy's page, a cut body): the status alone tells.
        }
        return new S3Error(response.StatusCode, code, message);
    }

    private Exception NotFoundOrBucket(S3Error error, FileType type, string name) => error.Code == "NoSuchBucket"
        ? BackendException.Permanent($"s3: bucket {Bucket} does not exist at {_location.Endpoint} (create it or run init)")
        : new BackendFileNotFoundException(type, name, Location);

    /// <summary>An S3 error answer as the contract's kind, in one line naming what failed and what to do.</summary>
    private BackendException Classify(S3Error error, string what)
    {
        int status = (int)error.Status;
        string detail = error.Code is { Length: > 0 } code ? code : $"HTTP {status}";
        switch (error.Code)
        {
            case "InvalidAccessKeyId":
                return BackendException.Permanent($"s3: {what} in {Location}: the server does not know this access key ID (InvalidAccessKeyId): check AWS_ACCESS_KEY_ID");
            case "SignatureDoesNotMatch":
                return BackendException.Permanent($"s3: {what} in {Location}: the request signature does not match (SignatureDoesNotMatch): check AWS_SECRET_ACCESS_KEY");
            case "RequestTimeTooSkewed":
                return BackendException.Permanent($"s3: {what} in {Location}: this machine's clock differs too much from the server's (RequestTimeTooSkewed): set the clock right");
            case "ExpiredToken" or "InvalidToken" or "TokenRefreshRequired":
                return BackendException.Permanent($"s3: {what} in {Location}: the session token is not valid ({detail}): renew AWS_SESSION_TOKEN");
            case "NoSuchBucket":
                return BackendException.Permanent($"s3: bucket {Bucket} does not exist at {_location.Endpoint} (create it or run init)");
            case "SlowDown" or "RequestTimeout" or "InternalError" or "ServiceUnavailable" or "OperationAborted":
                return BackendException.Transient($"s3: {what} in {Location}: the server answered {status} {detail}");
        }
        if (status >= 500 || status == 429 || status == 408)
            return BackendException.Transient($"s3: {what} in {Location}: the server answered {status} {detail}");
        if (status == 403 || status == 401)
            return BackendException.Permanent($"s3: {what} in {Location}: access denied ({detail}): check the credentials and the bucket's permissions");
        string message = error.Message is { Length: > 0 } m ? ": " + Truncate(OneLine(m), 200) : "";
        return BackendException.Permanent($"s3: {what} in {Location}: the server answered {status} {detail}{message}");
    }

    private BackendException ShorterThanAsked(string what, long offset, long length) =>
        BackendException.Permanent($"{what} in {Location} is shorter than expected: wanted {length} bytes at offset {offset}");

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    // ---------------------------------------------------------------- bodies

    /// <summary>A small body whole, never more than <paramref name="max"/> bytes (an error page, a listing page).</summary>
    private static async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, int max, Watchdog watchdog, bool truncate = false)
    {
        if (response.Content.Headers.ContentLength > max && !truncate)
            throw BackendException.Transient($"s3: the server's answer is too large ({response.Content.Headers.ContentLength} bytes)");
        await using var stream = await response.Content.ReadAsStreamAsync(watchdog.Token).ConfigureAwait(false);
        var output = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int n;
        while ((n = await stream.ReadAsync(buffer, watchdog.Token).ConfigureAwait(false)) > 0)
        {
            watchdog.Kick();
            int keep = (int)Math.Min(n, max - output.Length);
            output.Write(buffer, 0, keep);
            if (output.Length >= max)
            {
                if (truncate) break;
                throw BackendException.Transient($"s3: the server's answer is larger than {max} bytes");
            }
        }
        return output.ToArray();
    }

    private static async Task ReadExactlyAsync(Stream body, Memory<byte> destination, Watchdog watchdog, string what)
    {
        int done = 0;
        while (done < destination.Length)
        {
            int n = await body.ReadAsync(destination[done..], watchdog.Token).ConfigureAwait(false);
            if (n == 0) throw BackendException.Transient($"s3: reading {what}: the connection ended after {done} of {destination.Length} bytes");
            done += n;
            watchdog.Kick();
        }
    }

    private static async Task SkipAsync(Stream body, long count, Watchdog watchdog, string what)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (count > 0)
            {
                int n = await body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), watchdog.Token).ConfigureAwait(false);
                if (n == 0) throw BackendException.Transient($"s3: reading {what}: the connection ended early");
                count -= n;
                watchdog.Kick();
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // ---------------------------------------------------------------- connection setup

    private static HttpClient CreateHttpClient(int connections, X509Certificate2Collection? trusted)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(50),
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            // The engine reads no environment of its own: no proxy from HTTPS_PROXY behind the caller's back.
            UseProxy = false,
            UseCookies = false,
            Expect100ContinueTimeout = TimeSpan.FromSeconds(1),
        };
        if (trusted is not null)
        {
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                {
                    if (errors == SslPolicyErrors.None) return true;
                    // A name that does not match, or no certificate at all, is never excused by --cacert.
                    if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0) return false;
                    using var custom = new X509Chain();
                    custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    custom.ChainPolicy.CustomTrustStore.AddRange(trusted);
                    if (chain is not null)
                        foreach (var element in chain.ChainElements) custom.ChainPolicy.ExtraStore.Add(element.Certificate);
                    using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                    return custom.Build(leaf);
                },
            };
        }
        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    private static X509Certificate2Collection? LoadCertificates(IReadOnlyList<string> files)
    {
        if (files.Count == 0) return null;
        var collection = new X509Certificate2Collection();
        foreach (var file in files)
        {
            try
            {
                int before = collection.Count;
                collection.ImportFromPemFile(file);
                if (collection.Count == before) throw new CryptographicLikeException("no certificate in it");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or CryptographicLikeException)
            {
                throw BackendException.Permanent($"cannot use --cacert {file}: {OneLine(e.Message)}");
            }
        }
        return collection;
    }

    private sealed class CryptographicLikeException(string message) : Exception(message);

    // ---------------------------------------------------------------- endpoints

    private static bool IsAmazon(string endpoint)
    {
        var host = HostOf(endpoint);
        return host.EndsWith(".amazonaws.com", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".amazonaws.com.cn", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The region an Amazon host name carries (s3.eu-central-1.amazonaws.com, s3-eu-west-1.amazonaws.com), or null.</summary>
    private static string? RegionFromHost(string endpoint)
    {
        var match = AmazonRegion().Match(HostOf(endpoint));
        return match.Success ? match.Groups[1].Value : null;
    }

    private static string HostOf(string endpoint)
    {
        if (endpoint.StartsWith('[')) return endpoint;
        int colon = endpoint.LastIndexOf(':');
        return colon < 0 ? endpoint : endpoint[..colon];
    }

    private static bool IsDnsCompatible(string bucket) => bucket.Length is >= 3 and <= 63 && DnsBucket().IsMatch(bucket) && !bucket.Contains("..");

    [GeneratedRegex(@"^s3[.-](?:dualstack\.)?([a-z]{2}(?:-gov)?-[a-z]+-\d)\.amazonaws\.com(?:\.cn)?$", RegexOptions.IgnoreCase)]
    private static partial Regex AmazonRegion();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")]
    private static partial Regex DnsBucket();
}
