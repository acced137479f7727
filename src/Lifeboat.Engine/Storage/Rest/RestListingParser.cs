using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Lifeboat.Engine.Storage.Rest;

/// <summary>
/// Reads a REST server's listing as it arrives: v2's <c>[{"name":…,"size":…},…]</c> or v1's <c>["name",…]</c> (size
/// unknown). Only one entry is held at a time, so a listing of a million packs needs no more memory than one of ten; an
/// entry larger than <see cref="MaxEntryBytes"/> or a listing that is not JSON fails in one line.
/// </summary>
internal static class RestListingParser
{
    public const int MaxEntryBytes = 1 << 20;

    /// <summary>One listed file; <see cref="Size"/> is null in a v1 listing.</summary>
    public readonly record struct Entry(string Name, long? Size);

    public static async IAsyncEnumerable<Entry> ParseAsync(Stream body, string what, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var state = new ParserState();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int start = 0, end = 0;
            bool eof = false;
            var entries = new List<Entry>();
            while (true)
            {
                if (!eof)
                {
                    if (start > 0 && start == end) start = end = 0;
                    if (end == buffer.Length)
                    {
                        if (start > 0)
                        {
                            Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                            end -= start;
                            start = 0;
                        }
                        else
                        {
                            if (buffer.Length >= MaxEntryBytes)
                                throw BackendException.Permanent($"{what}: the server's listing has an entry over {MaxEntryBytes >> 20} MiB; it is not a restic REST server");
                            var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                            Buffer.BlockCopy(buffer, 0, bigger, 0, end);
                            ArrayPool<byte>.Shared.Return(buffer);
                            buffer = bigger;
                        }
                    }
                    int n = await body.ReadAsync(buffer.AsMemory(end), cancellationToken).ConfigureAwait(false);
                    if (n == 0) eof = true;
                    end += n;
                }
                bool done;
                try
                {
                    start += Parse(buffer.AsSpan(start, end - start), eof, ref state, entries, out done);
                }
                catch (JsonException e)
                {
                    throw BackendException.Permanent($"{what}: the server's listing is not valid JSON ({e.Message.Split('\n')[0]})");
                }
                foreach (var entry in entries) yield return entry;
                entries.Clear();
                if (done) yield break;
                if (eof) throw BackendException.Transient($"{what}: the server's listing ended before its last entry");
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private struct ParserState
    {
        public JsonReaderState Reader;
        public bool Started;
    }

    /// <summary>Parses the complete entries in <paramref name="data"/>; returns how many bytes they took.</summary>
    private static int Parse(ReadOnlySpan<byte> data, bool final, ref ParserState state, List<Entry> entries, out bool done)
    {
        done = false;
        var reader = new Utf8JsonReader(data, final, state.Reader);
        if (!state.Started)
        {
            if (!reader.Read()) return 0;
            if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected an array");
            state.Started = true;
        }
        while (true)
        {
            // Each entry is read on a copy: an entry cut off by the end of the buffer is read again once more has arrived.
            var attempt = reader;
            if (!attempt.Read()) break;
            if (attempt.TokenType == JsonTokenType.EndArray)
            {
                reader = attempt;
                done = true;
                break;
            }
            if (attempt.TokenType == JsonTokenType.String)
            {
                entries.Add(new Entry(attempt.GetString()!, null));
                reader = attempt;
                continue;
            }
            if (attempt.TokenType != JsonTokenType.StartObject) throw new JsonException($"unexpected {attempt.TokenType} in the list");
            if (!TryReadObject(ref attempt, out var entry)) break;
            entries.Add(entry);
            reader = attempt;
        }
        state.Reader = reader.CurrentState;
        return (int)reader.BytesConsumed;
    }

    private static bool TryReadObject(ref Utf8JsonReader reader, out Entry entry)
    {
        entry = default;
        string? name = null;
        long? size = null;
        while (true)
        {
            if (!reader.Read()) return false;
            if (reader.TokenType == JsonTokenType.EndObject) break;
            if (reader.TokenType != JsonTokenType.PropertyName) throw new JsonException("expected a property name");
            bool isName = reader.ValueTextEquals("name"u8);
            bool isSize = reader.ValueTextEquals("size"u8);
            if (!reader.Read()) return false;
            if (isName)
            {
                if (reader.TokenType != JsonTokenType.String) throw new JsonException("\"name\" is not a string");
                name = reader.GetString();
            }
            else if (isSize)
            {
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long s) || s < 0)
                    throw new JsonException("\"size\" is not a size in bytes");
                size = s;
            }
            else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                if (!reader.TrySkip()) return false;
            }
        }
        if (name is null || size is null) throw new JsonException("an entry without \"name\" and \"size\"");
        entry = new Entry(name, size);
        return true;
    }
}
