using System.Net;
using System.Net.Sockets;
using System.Text;
using Lifeboat.TestSupport;
using Microsoft.Playwright;

namespace Lifeboat.Dashboard.Tests;

/// <summary>
/// Who may see and do what: beyond loopback only with a password (refused at start, before listening, without one);
/// with a password every API call of a session that has not logged in is refused; a POST from another site is refused
/// even when the browser would send the session's cookie; the daemon serves the same page on its listener.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class SecurityTests(DashboardStack stack)
{
    [Fact]
    public void Listening_beyond_loopback_without_a_password_is_refused_before_it_listens()
    {
        int port = LoopbackPort.Free();
        var result = stack.Cli.Run("dashboard", "--listen", $"0.0.0.0:{port}");
        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"Fatal: refusing to serve the dashboard on 0.0.0.0:{port} without a password", line);
        Assert.Contains("lifeboat dashboard hash-password", line);
        Assert.DoesNotContain("serving", result.Stdout);

        // with dashboard.password-file it starts on the same address
        using var server = new DashboardProcess(stack.PasswordConfigPath, stack.StateDirectory, "dashboard", "--listen", $"0.0.0.0:{port}");
        Assert.EndsWith($":{port}", server.Address);
        Assert.Equal(0, server.Stop());
    }

    [Fact]
    public void SIGTERM_the_moment_it_serves_stops_it_cleanly_with_exit_0()
    {
        // its handlers were once registered only after the serving line, and a SIGTERM in between ended it with 143
        for (int run = 0; run < 10; run++)
        {
            using var server = new DashboardProcess(stack.ConfigPath, stack.StateDirectory, terminateWhenServing: true, "dashboard", "--listen", "127.0.0.1:0");
            _ = server.Address;
            int exit = server.Stop();
            Assert.True(exit == 0, $"run {run + 1}: exit {exit}\n{server.Output}");
            Assert.Contains("dashboard: stopped", server.Output);
        }
    }

    [Fact]
    public async Task With_a_password_an_unauthenticated_request_is_refused_and_the_page_logs_in()
    {
        using var server = new DashboardProcess(stack.PasswordConfigPath, stack.StateDirectory, "dashboard", "--listen", "127.0.0.1:0");
        using (var http = new HttpClient(new ScanningHandler(stack)))
        {
            var snapshot = stack.PlexSnapshot();
            foreach (var path in new[] { "/api/overview", "/api/apps/plex/snapshots", $"/api/apps/plex/snapshots/{snapshot}/tree?path=/",
                         $"/api/apps/plex/snapshots/{snapshot}/file?path={Uri.EscapeDataString(stack.Plex + "/Preferences.xml")}" })
            {
                var response = await http.GetAsync(server.Address + path, Ct);
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                var body = await response.Content.ReadAsStringAsync(Ct);
                Assert.DoesNotContain("plex", body);
                Assert.DoesNotContain("Preferences", body);
            }
        }

        await using var context = await stack.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(server.Address + "/");
        await page.GetByLabel("Dashboard password").FillAsync("not the password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await page.WaitForSelectorAsync("#status.error");
        Assert.Equal("wrong password", await page.Locator("#status").InnerTextAsync());
        Assert.Equal(0, await page.Locator("article.card").CountAsync());

        await page.GetByLabel("Dashboard password").FillAsync(DashboardStack.DashboardPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await page.WaitForSelectorAsync("body[data-ready='/']");
        Assert.Equal(3, await page.Locator("article.card").CountAsync());
        // the session cookie is out of the page's reach, and no secret is in the page
        var cookie = Assert.Single(await context.CookiesAsync());
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Lax, cookie.SameSite);
        var html = await page.ContentAsync();
        Assert.DoesNotContain("repository password of the dashboard tests", html);
        Assert.DoesNotContain("pbkdf2", html);

        await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
        await page.WaitForSelectorAsync("#password");
        Assert.Equal(HttpStatusCode.Unauthorized, (HttpStatusCode)(await page.APIRequest.GetAsync(server.Address + "/api/overview")).Status);
        Assert.Equal(0, server.Stop());
    }

    [Fact]
    public async Task A_cross_site_POST_is_refused()
    {
        using var server = new DashboardProcess(stack.PasswordConfigPath, stack.StateDirectory, "dashboard", "--listen", "127.0.0.1:0");
        await using var context = await stack.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(server.Address + "/");
        await page.GetByLabel("Dashboard password").FillAsync(DashboardStack.DashboardPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await page.WaitForSelectorAsync("body[data-ready='/']");

        // another site's page posts a form to the dashboard (here to log the user out)
        await context.RouteAsync("http://attacker.example/**", route => route.FulfillAsync(new RouteFulfillOptions
        {
            ContentType = "text/html",
            Body = $"<form method=post action='{server.Address}/api/logout'><input name=a value=b></form><script>document.forms[0].submit()</script>",
        }));
        var attack = await page.RunAndWaitForResponseAsync(() => page.GotoAsync("http://attacker.example/"), server.Address + "/api/logout");
        Assert.Equal(403, attack.Status);
        Assert.Contains("from another site", await attack.TextAsync());

        // a script on another origin, with the cookie sent (as a non-SameSite browser would) and even the right token: refused
        var session = await page.APIRequest.GetAsync(server.Address + "/api/session");
        var csrf = (await session.JsonAsync())!.Value.GetProperty("csrf").GetString()!;
        var forged = await page.APIRequest.PostAsync(server.Address + "/api/logout", new APIRequestContextOptions
        {
            Headers = new Dictionary<string, string> { ["Origin"] = "http://attacker.example", ["X-Lifeboat-CSRF"] = csrf },
        });
        Assert.Equal(403, forged.Status);
        // this page's own origin without the token: refused too
        var tokenless = await page.APIRequest.PostAsync(server.Address + "/api/logout", new APIRequestContextOptions
        {
            Headers = new Dictionary<string, string> { ["Origin"] = server.Address },
        });
        Assert.Equal(403, tokenless.Status);
        Assert.Contains("CSRF", await tokenless.TextAsync());

        // still logged in: none of them logged the user out
        await page.GotoAsync(server.Address + "/");
        await page.WaitForSelectorAsync("body[data-ready='/']");
        Assert.Equal(3, await page.Locator("article.card").CountAsync());
        Assert.Equal(0, server.Stop());
    }

    [Fact]
    public async Task With_a_certificate_it_speaks_HTTPS_and_the_session_cookie_is_secure()
    {
        using var temp = new TempDirectory("lifeboat-dashboard-tls");
        var made = ProcessRunner.Run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", temp.Combine("key.pem"), "-out", temp.Combine("cert.pem"), "-days", "1", "-subj", "/CN=localhost"]);
        Assert.True(made.Succeeded, made.Stderr);
        using var server = new DashboardProcess(stack.ConfigPath, stack.StateDirectory, "dashboard", "--listen", "127.0.0.1:0",
            "--tls-cert", temp.Combine("cert.pem"), "--tls-key", temp.Combine("key.pem"));
        Assert.StartsWith("https://127.0.0.1:", server.Address);
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Subject == "CN=localhost" };
        using var http = new HttpClient(new ScanningHandler(stack, handler), disposeHandler: false);
        var session = await http.GetAsync(server.Address + "/api/session", Ct);
        Assert.Equal(HttpStatusCode.OK, session.StatusCode);
        var cookie = Assert.Single(session.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("__Host-lifeboat-session=", cookie);
        Assert.Contains("secure", cookie);
        Assert.Contains("httponly", cookie);
        Assert.Contains("samesite=lax", cookie);
        // plain HTTP on the same port is not served (Kestrel answers 400 or drops the connection)
        try
        {
            using var plain = await http.GetAsync(server.Address.Replace("https:", "http:") + "/api/session", Ct);
            Assert.Equal(HttpStatusCode.BadRequest, plain.StatusCode);
        }
        catch (HttpRequestException)
        {
        }
        Assert.Equal(0, server.Stop());
    }

    [Fact]
    public async Task The_daemon_serves_the_dashboard_beside_healthz_and_metrics()
    {
        using var daemon = new DashboardProcess(stack.ConfigPath, stack.StateDirectory, "daemon", "--listen", "127.0.0.1:0");
        using var http = new HttpClient(new ScanningHandler(stack));
        var page = await http.GetAsync(daemon.Address + "/", Ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<title>Lifeboat</title>", await page.Content.ReadAsStringAsync(Ct));
        var snapshots = await http.GetStringAsync(daemon.Address + "/api/apps/plex/snapshots", Ct);
        Assert.Contains(stack.PlexSnapshot(), snapshots);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(daemon.Address + "/healthz", Ct)).StatusCode);
        Assert.Contains("lifeboat_", await http.GetStringAsync(daemon.Address + "/metrics", Ct));
        Assert.Equal(0, daemon.Stop());
    }

    [Fact]
    public async Task The_daemon_beyond_loopback_without_a_password_serves_metrics_but_not_the_dashboard()
    {
        int port = LoopbackPort.Free();
        using var daemon = new DashboardProcess(stack.ConfigPath, stack.StateDirectory, "daemon", "--listen", $"0.0.0.0:{port}");
        _ = daemon.Address;
        using var http = new HttpClient(new ScanningHandler(stack));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{port}/api/overview", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{port}/metrics", Ct)).StatusCode);
        Assert.Equal(0, daemon.Stop());
        Assert.Contains("the dashboard is not served (refusing to serve the dashboard on 0.0.0.0", daemon.Output);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
}
