using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Lifeboat.Dashboard;

/// <summary>
/// Every request to the dashboard passes here before its route: security headers; without a password, only loopback
/// host names (a DNS-rebinding page cannot read it); a session cookie (HttpOnly, SameSite=Lax, Secure over HTTPS:
/// Lax, not Strict, so that a link from elsewhere to the page keeps the session instead of replacing it);
/// every POST from this page's own origin and with the session's CSRF token; and with a password, every API call but
/// the session and the login from a logged-in session. Authorization is here, on the server, for every route.
/// </summary>
public sealed class DashboardSecurity(DashboardSettings settings, SessionStore sessions)
{
    public const string CsrfHeader = "X-Lifeboat-CSRF";
    private const string SessionItem = "lifeboat.session";
    /// <summary>"__Host-" makes the browser refuse it from another path or domain; it requires Secure, so HTTPS only.</summary>
    private string CookieName => settings.Https ? "__Host-lifeboat-session" : "lifeboat-session";

    public bool PasswordRequired => settings.Password is not null;

    /// <summary>The request's session (made by <see cref="InvokeAsync"/> before any dashboard route runs).</summary>
    public static DashboardSession Session(HttpContext context) => (DashboardSession)context.Items[SessionItem]!;

    /// <summary>The dashboard's own paths; /healthz and /metrics beside them keep their own rules.</summary>
    public static bool IsDashboardPath(PathString path) =>
        path == "/" || path.StartsWithSegments("/api") || path.StartsWithSegments("/assets");

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (!IsDashboardPath(context.Request.Path))
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        var headers = context.Response.Headers;
        headers["X-Content-Type-Options"] = "nosniff";
        headers["X-Frame-Options"] = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Content-Security-Policy"] = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
        headers.CacheControl = "no-store";

        if (!PasswordRequired && !IsLoopbackHost(context.Request.Host))
        {
            await Refuse(context, StatusCodes.Status421MisdirectedRequest, "without a dashboard password the dashboard answers only to localhost, 127.0.0.1 and [::1]").ConfigureAwait(false);
            return;
        }

        bool reading = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method);
        var session = sessions.Find(context.Request.Cookies[CookieName]);
        if (session is null && !reading)
        {
            // a POST without the session's cookie is another site's (SameSite): refused without a new cookie, which
            // would replace the user's own and log them out
            await Refuse(context, StatusCodes.Status403Forbidden, CrossSiteReason(context, null) ?? "no session: reload the page").ConfigureAwait(false);
            return;
        }
        if (session is null)
        {
            session = sessions.Create(authenticated: !PasswordRequired);
            SetCookie(context, session);
        }
        context.Items[SessionItem] = session;

        if (!reading && CrossSiteReason(context, session) is { } why)
        {
            await Refuse(context, StatusCodes.Status403Forbidden, why).ConfigureAwait(false);
            return;
        }
        var path = context.Request.Path;
        bool open = path == "/" || path.StartsWithSegments("/assets") || path == "/api/session" || path == "/api/login";
        if (!open && !session.Authenticated)
        {
            await Refuse(context, StatusCodes.Status401Unauthorized, "log in first").ConfigureAwait(false);
            return;
        }
        await next(context).ConfigureAwait(false);
    }

    /// <summary>Logs in with the dashboard password: a new session (new ID and token) on success.</summary>
    public async Task<DashboardSession?> LoginAsync(HttpContext context, string password)
    {
        var session = Session(context);
        if (settings.Password is not { } hash) return session;
        // one check at a time, and a pause after a wrong one: guessing is slow however many requests are sent
        await LoginGate.WaitAsync(context.RequestAborted).ConfigureAwait(false);
        try
        {
            if (!hash.Matches(password))
            {
                await Task.Delay(TimeSpan.FromSeconds(1), context.RequestAborted).ConfigureAwait(false);
                return null;
            }
        }
        finally
        {
            LoginGate.Release();
        }
        var fresh = sessions.Create(authenticated: true, replacing: session);
        SetCookie(context, fresh);
        context.Items[SessionItem] = fresh;
        return fresh;
    }

    public void Logout(HttpContext context)
    {
        sessions.End(Session(context));
        var fresh = sessions.Create(authenticated: !PasswordRequired);
        SetCookie(context, fresh);
        context.Items[SessionItem] = fresh;
    }

    private static readonly SemaphoreSlim LoginGate = new(1, 1);

    /// <summary>
    /// Why a POST is not this page's own: another site's Sec-Fetch-Site, an Origin other than this server's, neither
    /// header (every browser sends Origin with a POST from script), or a missing or wrong CSRF token (of a session).
    /// </summary>
    private static string? CrossSiteReason(HttpContext context, DashboardSession? session)
    {
        var request = context.Request;
        var fetchSite = request.Headers["Sec-Fetch-Site"].ToString();
        if (fetchSite.Length > 0 && fetchSite is not ("same-origin" or "none"))
            return $"a request from another site ({fetchSite}) is refused";
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && !string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase))
            return $"a request from another origin ({origin}) is refused";
        if (origin.Length == 0 && fetchSite.Length == 0)
            return "a request without Origin is refused";
        if (session is null) return null;
        var token = request.Headers[CsrfHeader].ToString();
        if (token.Length == 0 || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(token), Encoding.ASCII.GetBytes(session.CsrfToken)))
            return "the request's CSRF token is missing or wrong (reload the page)";
        return null;
    }

    /// <summary>localhost, a 127/8 address or [::1], with any port.</summary>
    private static bool IsLoopbackHost(HostString host)
    {
        var name = host.Host;
        if (string.Equals(name, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(name.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }

    private void SetCookie(HttpContext context, DashboardSession session) =>
        context.Response.Cookies.Append(CookieName, session.Id, new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = settings.Https, Path = "/", IsEssential = true,
        });

    private static Task Refuse(HttpContext context, int status, string message) => JsonResponse.ErrorAsync(context, status, message);
}
