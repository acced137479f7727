using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Stack.Operations;

/// <summary>
/// The daemon's HTTP listener (Kestrel, through the slim builder that Native AOT supports): each
/// <see cref="DaemonEndpoint"/> is one GET route; a front end may mount more (the dashboard); anything else is 404.
/// With a certificate it speaks HTTPS only. It logs nothing of its own.
/// </summary>
public sealed class DaemonHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DaemonHttpServer(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>Where it listens, e.g. http://127.0.0.1:8420 (the real port when 0 was asked for).</summary>
    public string Address { get; }

    /// <param name="mount">Adds a front end's middleware and routes (the dashboard); null: the endpoints alone.</param>
    /// <param name="certificate">Serves HTTPS with it; null: plain HTTP.</param>
    public static async Task<DaemonHttpServer> StartAsync(IPEndPoint listen, IReadOnlyList<DaemonEndpoint> endpoints, CancellationToken cancellationToken,
        Action<WebApplication>? mount = null, X509Certificate2? certificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, OwnerSignalsLifetime>();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(listen, options =>
        {
            if (certificate is not null) options.UseHttps(certificate);
        }));
        var app = builder.Build();
        mount?.Invoke(app);
        foreach (var endpoint in endpoints)
        {
            app.MapGet(endpoint.Path, (RequestDelegate)(async context =>
            {
                var body = await endpoint.Render(context.RequestAborted).ConfigureAwait(false);
                context.Response.ContentType = endpoint.ContentType;
                await context.Response.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
            }));
        }
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new StackException($"cannot listen on {listen}: {e.Message}");
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? $"http://{listen}";
        return new DaemonHttpServer(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
