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
}
