using System.Text;

namespace Lifeboat.Stack.Dumps;

/// <summary>
/// verify's check of a dump that is a text file (pg_dumpall's and mariadb-dump's SQL) or a command's output, read whole
/// from the snapshot: the tool writes a header first and a completion line last, so a dump cut short (the tool killed,
/// the disk full) lacks the end. Only the first and the last few KiB are kept while the stream is read.
/// </summary>
public static class DumpTextCheck
{
    private const int Window = 4096;

    /// <summary>pg_dumpall's first comment block, and its last.</summary>
    public const string PostgresAllHeader = "-- PostgreSQL database cluster dump";
    public const string PostgresAllEnd = "-- PostgreSQL database cluster dump complete";

    /// <summary>mariadb-dump's (or mysqldump's) first comment line and its last.</summary>
    public static readonly string[] MariaDbHeaders = ["-- MariaDB dump", "-- MySQL dump"];
    public const string MariaDbEnd = "-- Dump completed";

    /// <summary>Reads <paramref name="content"/> to its end; null when it looks whole, else what is wrong with it.</summary>
    public static async Task<string?> CheckAsync(Stream content, DumpFileFormat format, CancellationToken cancellationToken)
    {
        var head = new byte[Window];
        int headLength = 0;
        var tail = new byte[Window];
        long total = 0;
        var buffer = new byte[81920];
        int n;
        while ((n = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (headLength < Window)
            {
                int take = Math.Min(n, Window - headLength);
                buffer.AsSpan(0, take).CopyTo(head.AsSpan(headLength));
                headLength += take;
            }
            Keep(tail, total, buffer.AsSpan(0, n));
            total += n;
        }
        if (total == 0) return "it is empty";
        var first = Lines(Encoding.UTF8.GetString(head, 0, headLength)).Take(5).ToList();
        int tailLength = (int)Math.Min(total, Window);
        var last = Lines(Encoding.UTF8.GetString(Unroll(tail, total, tailLength))).TakeLast(5).ToList();
        return format switch
        {
            DumpFileFormat.PostgresAll when !first.Any(l => l.StartsWith(PostgresAllHeader, StringComparison.Ordinal))
                => "it does not start as pg_dumpall's output does (\"-- PostgreSQL database cluster dump\")",
            DumpFileFormat.PostgresAll when !last.Contains(PostgresAllEnd)
                => $"it is cut short: its end lacks pg_dumpall's \"{PostgresAllEnd}\"",
            DumpFileFormat.MariaDbAll or DumpFileFormat.MariaDbDatabase when !first.Any(l => MariaDbHeaders.Any(h => l.StartsWith(h, StringComparison.Ordinal)))
                => "it does not start as mariadb-dump's output does (\"-- MariaDB dump\")",
            DumpFileFormat.MariaDbAll or DumpFileFormat.MariaDbDatabase when !last.Any(l => l.StartsWith(MariaDbEnd, StringComparison.Ordinal))
                => $"it is cut short: its end lacks mariadb-dump's \"{MariaDbEnd} on ...\"",
            _ => null,
        };
    }

    /// <summary>The non-empty lines, trimmed of their line ends.</summary>
    private static IEnumerable<string> Lines(string text) =>
        text.Split('\n').Select(l => l.TrimEnd('\r', ' ')).Where(l => l.Length > 0);

    /// <summary>Writes <paramref name="data"/> into the ring <paramref name="ring"/>, which has seen <paramref name="before"/> bytes.</summary>
    private static void Keep(byte[] ring, long before, ReadOnlySpan<byte> data)
    {
        long position = before;
        if (data.Length > ring.Length)
        {
            position += data.Length - ring.Length; // only the last ring-full of a large read can remain
            data = data[^ring.Length..];
        }
        foreach (var b in data) ring[(int)(position++ % ring.Length)] = b;
    }

    /// <summary>The last <paramref name="length"/> bytes of the stream, in order, out of the ring.</summary>
    private static byte[] Unroll(byte[] ring, long total, int length)
    {
        var result = new byte[length];
        for (int i = 0; i < length; i++) result[i] = ring[(int)((total - length + i) % ring.Length)];
        return result;
    }
}
