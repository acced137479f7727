using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Operations.Notifications;

/// <summary>
/// What the HTTP targets share: the URL (a user:password@ in it, possible in a url-file, becomes basic
/// authentication, since HttpClient would not send it), the shared client, and the rule for answers: 2xx is
/// delivered, 408, 429 and 5xx are tried again, any other status is a rejection.
/// </summary>
public abstract class HttpChannel : INotificationChannel
{
    private readonly HttpClient _client;
    private readonly AuthenticationHeaderValue? _authorization;

    protected HttpChannel(string type, string url, IReadOnlySet<NotifyEvent> events, HttpClient client)
    {
        var uri = new Uri(url, UriKind.Absolute);
        if (uri.UserInfo.Length > 0)
        {
            var credentials = Uri.UnescapeDataString(uri.UserInfo);
            _authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
            uri = new UriBuilder(uri) { UserName = "", Password = "" }.Uri;
        }
        BaseUri = uri;
        Events = events;
        _client = client;
        Description = $"{type} {NotifyUrl.Redact(url)}";
    }

    public string Description { get; }

    public IReadOnlySet<NotifyEvent> Events { get; }

    /// <summary>The target's URL, without credentials.</summary>
    protected Uri BaseUri { get; }

    public abstract Task SendAsync(JobNotification notification, CancellationToken cancellationToken);

    /// <summary>Sends one request and judges the answer.</summary>
    protected async Task PostAsync(Uri uri, HttpContent content, Action<HttpRequestHeaders>? headers, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
        request.Headers.Authorization = _authorization;
        headers?.Invoke(request.Headers);
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        int status = (int)response.StatusCode;
        if (status is >= 200 and < 300) return;
        var answer = $"HTTP {status} {response.ReasonPhrase}";
        if (status is >= 500 or (int)HttpStatusCode.RequestTimeout or (int)HttpStatusCode.TooManyRequests)
            throw new HttpRequestException(answer);
        throw new NotificationRejectedException(answer);
    }

    /// <summary>The base URL with a path segment added ("/start", "/fail") and its query kept.</summary>
    protected Uri WithSuffix(string suffix, string? query = null)
    {
        var builder = new UriBuilder(BaseUri);
        builder.Path = builder.Path.TrimEnd('/') + suffix;
        if (query is not null) builder.Query = builder.Query.Length > 1 ? $"{builder.Query[1..]}&{query}" : query;
        return builder.Uri;
    }
}
