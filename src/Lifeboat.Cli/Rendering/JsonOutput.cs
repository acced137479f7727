using System.Text.Encodings.Web;
using System.Text.Json;

namespace Lifeboat.Cli.Rendering;

/// <summary>Writes one JSON value per line to stdout, as restic's --json output does.</summary>
public static class JsonOutput
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly Lock WriteLock = new();

    public static void Line(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Options)) write(w);
        buffer.WriteByte((byte)'\n');
        lock (WriteLock)
        {
            using var stdout = Console.OpenStandardOutput();
            Console.Out.Flush();
            stdout.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
            stdout.Flush();
        }
    }

    /// <summary>
    /// restic's error message line: {"message_type":"error","error":{"message":…},"during":…,"item":…}; on stdout, or
    /// on stderr where restic 0.17 prints it (<paramref name="toStderr"/>, restore's).
    /// </summary>
    public static void Error(string during, string item, string message, bool toStderr = false) =>
        (toStderr ? (Action<Action<Utf8JsonWriter>>)ErrorLine : Line)(w =>
        {
            w.WriteStartObject();
            w.WriteString("message_type", "error");
            w.WriteStartObject("error");
            w.WriteString("message", Display.Text(message));
            w.WriteEndObject();
            w.WriteString("during", during);
            w.WriteString("item", Display.Text(item));
            w.WriteEndObject();
        });

    /// <summary>One JSON value as a line on stderr.</summary>
    public static void ErrorLine(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Options)) write(w);
        lock (WriteLock) Console.Error.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    /// <summary>A retry of a storage operation, as a JSON line for stderr: {"message_type":"retry",…}.</summary>
    public static string RetryLine(Engine.Storage.RetryNotice notice)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Options))
        {
            w.WriteStartObject();
            w.WriteString("message_type", "retry");
            w.WriteString("operation", notice.Operation);
            w.WriteString("item", Engine.Storage.BackendExtensions.Handle(notice.Type, notice.Name));
            w.WriteNumber("attempt", notice.Retry);
            w.WriteNumber("delay_ms", (long)notice.Delay.TotalMilliseconds);
            w.WriteString("error", Display.Text(notice.Error.Message));
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
