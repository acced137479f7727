using System.Reflection;
using Microsoft.AspNetCore.Http;

namespace Lifeboat.Dashboard;

/// <summary>The page, its stylesheet, script and icon, embedded in the binary (wwwroot/ at build time).</summary>
public static class DashboardAssets
{
    private static readonly Assembly Assembly = typeof(DashboardAssets).Assembly;

    public static async Task WriteAsync(HttpContext context, string name)
    {
        var type = Path.GetExtension(name) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".svg" => "image/svg+xml",
            _ => null,
        };
        // only the names built in: a name with a slash or dots cannot reach anything else
        await using var stream = type is null || name.Contains('/') ? null : Assembly.GetManifestResourceStream("wwwroot/" + name);
        if (stream is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        context.Response.ContentType = type;
        context.Response.ContentLength = stream.Length;
        await stream.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
    }
}
