using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Lifeboat.Dashboard;

/// <summary>JSON bodies written by hand with <see cref="Utf8JsonWriter"/>: no reflection, nothing the trimmer can lose.</summary>
public static class JsonResponse
{
    public static async Task WriteAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer)) write(writer);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }

    public static Task ErrorAsync(HttpContext context, int status, string message) =>
        WriteAsync(context, status, w =>
        {
            w.WriteStartObject();
            w.WriteString("error", message);
            w.WriteEndObject();
        });

    /// <summary>A string that may hold a lone surrogate (a file name that was not UTF-8), made writable: each one becomes U+FFFD.</summary>
    public static string Text(string text) => System.Text.Encoding.UTF8.GetString(System.Text.Encoding.UTF8.GetBytes(text));

    public static void WriteTime(Utf8JsonWriter writer, string name, DateTimeOffset? time)
    {
        if (time is { } t) writer.WriteString(name, t.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
        else writer.WriteNull(name);
    }
}
