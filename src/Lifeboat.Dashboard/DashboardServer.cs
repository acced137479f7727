using System.Text.Json;
using Lifeboat.Engine.Repository;
using Lifeboat.Stack;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Lifeboat.Dashboard;

/// <summary>
/// The dashboard's routes, mounted on the daemon's listener or on `lifeboat dashboard`'s own: the page and its assets
/// (from the binary), the session and login, the overview, the snapshot history and browser, and the actions. Routes are plain
/// <see cref="RequestDelegate"/>s (nothing for Native AOT to generate); every one runs behind <see cref="DashboardSecurity"/>.
/// </summary>
public sealed class DashboardServer
{
    private readonly DashboardSecurity _security;
    private readonly Overview _overview;
    private readonly SnapshotBrowser _browser;
    private readonly DashboardActions _actions;
    private readonly DashboardSettings _settings;

    public DashboardServer(DashboardSettings settings, TimeProvider? time = null)
    {
        _settings = settings;
        var clock = time ?? TimeProvider.System;
        _security = new DashboardSecurity(settings, new SessionStore(clock));
        _overview = new Overview(settings, clock);
        var shared = new SharedRepository(settings.Access, clock);
        // a job (the page's or the schedule's) may have added snapshots and index files, or pruned packs
        if (settings.Jobs is { } jobs) jobs.Finished += shared.Invalidate;
        _browser = new SnapshotBrowser(settings, shared);
        _actions = new DashboardActions(settings, _browser, shared);
    }

    public void Mount(WebApplication app)
    {
        app.Use((context, next) => _security.InvokeAsync(context, next));
        Get(app, "/", context => DashboardAssets.WriteAsync(context, "index.html"));
        Get(app, "/assets/{name}", context => DashboardAssets.WriteAsync(context, (string)context.Request.RouteValues["name"]!));
        Get(app, "/api/session", SessionAsync);
        app.MapPost("/api/login", Guarded(LoginAsync));
        app.MapPost("/api/logout", Guarded(context =>
        {
            _security.Logout(context);
            return SessionAsync(context);
        }));
        Get(app, "/api/overview", context => JsonAsync(context, w => _overview.WriteAsync(w, context.RequestAborted)));
        Get(app, "/api/apps", _browser.AppsAsync);
        Get(app, "/api/apps/{app}/snapshots", _browser.SnapshotsAsync);
        Get(app, "/api/apps/{app}/snapshots/{id}/tree", _browser.TreeAsync);
        Get(app, "/api/apps/{app}/snapshots/{id}/file", _browser.FileAsync);
        Get(app, "/api/apps/{app}/snapshots/{id}/tar", _browser.TarAsync);
        Get(app, "/api/apps/{app}/snapshots/{id}/zip", _browser.ZipAsync);
        Get(app, "/api/apps/{app}/diff", _browser.DiffAsync);
        app.MapPost("/api/apps/{app}/backup", Guarded(_actions.BackUpAsync));
        app.MapPost("/api/apps/{app}/verify", Guarded(_actions.VerifyAsync));
        app.MapPost("/api/backup", Guarded(_actions.BackUpAllAsync));
        app.MapPost("/api/apps/{app}/snapshots/{id}/restore", Guarded(_actions.RestorePathAsync));
        Get(app, "/api/apps/{app}/snapshots/{id}/restore-plan", _actions.RestorePlanAsync);
        app.MapPost("/api/apps/{app}/snapshots/{id}/restore-in-place", Guarded(_actions.RestoreInPlaceAsync));
        Get(app, "/api/jobs", _actions.RecentAsync);
        Get(app, "/api/jobs/{id}/log", _actions.LogAsync);
        Get(app, "/api/events", context => (_settings.Jobs ?? throw new BrowseException(StatusCodes.Status404NotFound, "no job events here")).StreamAsync(context));
        // an unknown API path is a JSON 404, not the page
        app.Map("/api/{**rest}", (RequestDelegate)(context => JsonResponse.ErrorAsync(context, StatusCodes.Status404NotFound, "no such API")));
    }

    private static void Get(IEndpointRouteBuilder app, string pattern, RequestDelegate handler) => app.MapGet(pattern, Guarded(handler));

    /// <summary>Errors a user or the repository can cause become a JSON error with its status; anything else a 500 with the message.</summary>
    private static RequestDelegate Guarded(RequestDelegate handler) => async context =>
    {
        try
        {
            await handler(context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            var status = e switch
            {
                BrowseException b => b.Status,
                StackException or RepositoryException or DashboardException => StatusCodes.Status502BadGateway,
                _ => StatusCodes.Status500InternalServerError,
            };
            await JsonResponse.ErrorAsync(context, status, e.Message).ConfigureAwait(false);
        }
    };

    private Task SessionAsync(HttpContext context)
    {
        var session = DashboardSecurity.Session(context);
        return JsonResponse.WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("authenticated", session.Authenticated);
            w.WriteBoolean("passwordRequired", _security.PasswordRequired);
            w.WriteBoolean("actions", _settings.Jobs is not null);
            // the page's own token for its POSTs; same-origin reads only (SameSite cookie, no CORS)
            w.WriteString("csrf", session.CsrfToken);
            w.WriteEndObject();
        });
    }

    private async Task LoginAsync(HttpContext context)
    {
        string? password = null;
        try
        {
            // a password, not a document: a large body is refused before it is read
            using var body = await DashboardActions.ReadBodyAsync(context, limit: 4096).ConfigureAwait(false);
            password = DashboardActions.Text(body, "password");
        }
        catch (BrowseException)
        {
        }
        if (password is null)
        {
            await JsonResponse.ErrorAsync(context, StatusCodes.Status400BadRequest, "send {\"password\": \"...\"}").ConfigureAwait(false);
            return;
        }
        if (await _security.LoginAsync(context, password).ConfigureAwait(false) is null)
        {
            await JsonResponse.ErrorAsync(context, StatusCodes.Status401Unauthorized, "wrong password").ConfigureAwait(false);
            return;
        }
        await SessionAsync(context).ConfigureAwait(false);
    }

    private static async Task JsonAsync(HttpContext context, Func<Utf8JsonWriter, Task> write)
    {
        // written to a buffer first: an error half-way is still an error response, not half a document
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        await using (var writer = new Utf8JsonWriter(buffer))
            await write(writer).ConfigureAwait(false);
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }
}
