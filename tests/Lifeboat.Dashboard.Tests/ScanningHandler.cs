namespace Lifeboat.Dashboard.Tests;

/// <summary>An HttpClient handler that secret-scans every answer of the dashboard a test reads (not event streams).</summary>
public sealed class ScanningHandler(DashboardStack stack, HttpMessageHandler? inner = null) : DelegatingHandler(inner ?? new HttpClientHandler())
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            stack.Scan($"the dashboard's answer to {request.Method} {request.RequestUri}", await response.Content.ReadAsByteArrayAsync(cancellationToken));
        }
        return response;
    }
}
