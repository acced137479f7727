using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Lifeboat.Engine;
using Lifeboat.Engine.Platform;
using Lifeboat.Stack.State;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Stack.Scenarios;

/// <summary>
/// The write-ahead journal of a <see cref="StagedPlacement"/>: a file in its first trash directory, one JSON line per
/// step, each written before the step is carried out, so that a placement killed part way can be undone by the next
/// command (<see cref="PlacementRecovery"/>). The first line names the app, the writing process and its own (staging
/// and trash) directories. Paths are bytes on disk: one that is not valid UTF-8 is written as base64 of its bytes
/// (property name + "64"), so that every name round-trips exactly.
/// </summary>
internal sealed class PlacementJournal : IDisposable
{
    /// <summary>The journal's name in the trash directory.</summary>
    public const string FileName = "placement.journal";

    private readonly SafeFileHandle _handle;
    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private readonly Utf8JsonWriter _writer = new(Stream.Null);
    private long _offset;

    private PlacementJournal(string path, SafeFileHandle handle)
    {
        Path = path;
        _handle = handle;
    }

    public string Path { get; }

    /// <summary>
    /// Creates the journal in <paramref name="trash"/> with its header, and fsyncs it once. The steps that follow are
    /// plain writes, which a SIGKILL does not lose (the kernel has them); against a power loss the placement syncs
    /// them in batches before carrying them out (<see cref="Sync"/>).
    /// </summary>
    public static PlacementJournal Create(string trash, PlacementJournalHeader header)
    {
        var path = FsNames.Join(trash, FileName);
        var journal = new PlacementJournal(path, Posix.OpenWrite(path, 0x180 /* 0600 */));
        try
        {
            journal.Append(writer =>
            {
                writer.WriteString("kind", "begin");
                writer.WriteString("app", header.App);
                writer.WriteNumber("pid", header.Writer.Pid);
                writer.WriteNumber("start", header.Writer.StartTicks);
                writer.WriteString("boot", header.Writer.BootId);
                writer.WriteString("time", header.Time.ToString("O", CultureInfo.InvariantCulture));
                writer.WriteStartArray("own");
                foreach (var directory in header.OwnDirectories) WritePathValue(writer, directory);
                writer.WriteEndArray();
            });
            Posix.Fsync(journal._handle);
            return journal;
        }
        catch
        {
            journal.Dispose();
            throw;
        }
    }

    /// <summary>Appends one step, with a single write().</summary>
    public void Add(PlacementStep step) => Append(writer =>
    {
        switch (step)
        {
            case PlacementStep.Created created:
                writer.WriteString("kind", "created");
                WritePath(writer, "destination", created.Destination);
                WritePath(writer, "staged", created.Staged);
                break;
            case PlacementStep.Exchanged exchanged:
                writer.WriteString("kind", "exchanged");
                WritePath(writer, "destination", exchanged.Destination);
                WritePath(writer, "staged", exchanged.Staged);
                writer.WriteNumber("dev", exchanged.Device);
                writer.WriteNumber("ino", exchanged.Inode);
                break;
            case PlacementStep.Replaced replaced:
                writer.WriteString("kind", "replaced");
                WritePath(writer, "destination", replaced.Destination);
                WritePath(writer, "saved", replaced.Saved);
                break;
            case PlacementStep.MovedAside moved:
                writer.WriteString("kind", "moved-aside");
                WritePath(writer, "destination", moved.Destination);
                WritePath(writer, "saved", moved.Saved);
                break;
            case PlacementStep.DirectoryMetadata metadata:
                writer.WriteString("kind", "metadata");
                WritePath(writer, "destination", metadata.Destination);
                WriteStatus(writer, metadata.Before);
                if (metadata.XattrsBefore is { } xattrs)
                {
                    writer.WriteStartArray("xattrs");
                    foreach (var (name, value) in xattrs)
                    {
                        writer.WriteStartObject();
                        WritePath(writer, "name", name);
                        writer.WriteBase64String("value", value);
                        writer.WriteEndObject();
                    }
                    writer.WriteEndArray();
                }
                break;
        }
    });

    private void Append(Action<Utf8JsonWriter> body)
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer); // one writer and buffer for every record: a placement of 50,000 files allocates little
        _writer.WriteStartObject();
        body(_writer);
        _writer.WriteEndObject();
        _writer.Flush();
        _buffer.Write("\n"u8);
        RandomAccess.Write(_handle, _buffer.WrittenSpan, _offset);
        _offset += _buffer.WrittenCount;
    }

    /// <summary>The records written so far on disk (fdatasync): the steps they name may now be carried out.</summary>
    public void Sync() => Posix.DataSync(_handle);

    /// <summary>Removes the journal: the placement is complete, or wholly undone.</summary>
    public void Delete()
    {
        Dispose();
        try
        {
            Posix.Unlink(Path);
        }
        catch (PosixException e) when (e.Errno == Errno.ENOENT)
        {
        }
    }

    public void Dispose()
    {
        _writer.Dispose();
        _handle.Dispose();
    }

    private static void WriteStatus(Utf8JsonWriter writer, in FileStatus status)
    {
        writer.WriteStartObject("before");
        writer.WriteNumber("dev", status.Device);
        writer.WriteNumber("ino", status.Inode);
        writer.WriteNumber("mode", status.Mode);
        writer.WriteNumber("nlink", status.Links);
        writer.WriteNumber("uid", status.Uid);
        writer.WriteNumber("gid", status.Gid);
        writer.WriteNumber("rdev", status.RDevice);
        writer.WriteNumber("size", status.Size);
        writer.WriteNumber("blocks", status.Blocks);
        WriteTime(writer, "atime", status.AccessTime);
        WriteTime(writer, "mtime", status.ModTime);
        WriteTime(writer, "ctime", status.ChangeTime);
        writer.WriteEndObject();
    }

    private static void WriteTime(Utf8JsonWriter writer, string name, Timespec time)
    {
        writer.WriteStartArray(name);
        writer.WriteNumberValue(time.Seconds);
        writer.WriteNumberValue(time.Nanoseconds);
        writer.WriteEndArray();
    }

    private static void WritePath(Utf8JsonWriter writer, string name, string path)
    {
        if (FsNames.HasEscapes(path)) writer.WriteBase64String(name + "64", FsNames.ToBytes(path));
        else writer.WriteString(name, path);
    }

    private static void WritePathValue(Utf8JsonWriter writer, string path)
    {
        if (FsNames.HasEscapes(path))
        {
            writer.WriteStartObject();
            writer.WriteBase64String("path64", FsNames.ToBytes(path));
            writer.WriteEndObject();
        }
        else writer.WriteStringValue(path);
    }

    /// <summary>
    /// Reads a journal's header (its first line), without reading the steps that follow it.
    /// </summary>
    public static PlacementJournalHeader ReadHeader(string path)
    {
        using var handle = Posix.OpenRead(path);
        var buffer = new byte[4096];
        int length = 0;
        while (true)
        {
            int newline = buffer.AsSpan(0, length).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                if (Parse(buffer.AsMemory(0, newline), path) is not PlacementJournalHeader header) break;
                return header;
            }
            if (length == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            int n = RandomAccess.Read(handle, buffer.AsSpan(length), length);
            if (n == 0) break;
            length += n;
        }
        throw new InvalidDataException($"{path} has no header");
    }

    /// <summary>
    /// The journal's steps, newest first, read from the end of the file a block at a time: memory is bounded by the
    /// longest record, whatever the number of steps. A last line without its newline (cut by the kill) is left out:
    /// its step had not begun, as each record is written before its step. The header (first line) is not a step.
    /// </summary>
    public static IEnumerable<PlacementStep> ReadBackward(string path)
    {
        using var lines = new BackwardLines(path);
        while (lines.TryPrevious(out var line, out bool first))
        {
            var record = Parse(line, path);
            if (first)
            {
                if (record is not PlacementJournalHeader) throw new InvalidDataException($"{path} has no header");
                yield break;
            }
            yield return record as PlacementStep ?? throw new InvalidDataException($"{path}: a second header");
        }
        throw new InvalidDataException($"{path} has no header");
    }

    /// <summary>What reading a journal throws when it is damaged (or cannot be read at all).</summary>
    public static bool IsUnreadable(Exception e) =>
        e is InvalidDataException or JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IndexOutOfRangeException or PosixException;

    /// <summary>One line: the header or a step.</summary>
    private static object Parse(ReadOnlyMemory<byte> line, string path)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        var kind = root.GetProperty("kind").GetString();
        if (kind == "begin")
        {
            return new PlacementJournalHeader(
                root.GetProperty("app").GetString()!,
                new ProcessIdentity(root.GetProperty("pid").GetInt32(), root.GetProperty("start").GetInt64(), root.GetProperty("boot").GetString()!),
                DateTimeOffset.Parse(root.GetProperty("time").GetString()!, CultureInfo.InvariantCulture),
                root.GetProperty("own").EnumerateArray().Select(ReadPathValue).ToList());
        }
        var destination = ReadPath(root, "destination");
        return kind switch
        {
            "created" => new PlacementStep.Created(destination, ReadPath(root, "staged")),
            "exchanged" => new PlacementStep.Exchanged(destination, ReadPath(root, "staged"), root.GetProperty("dev").GetUInt64(), root.GetProperty("ino").GetUInt64()),
            "replaced" => new PlacementStep.Replaced(destination, ReadPath(root, "saved")),
            "moved-aside" => new PlacementStep.MovedAside(destination, ReadPath(root, "saved")),
            "metadata" => new PlacementStep.DirectoryMetadata(destination, ReadStatus(root.GetProperty("before")),
                root.TryGetProperty("xattrs", out var xattrs)
                    ? xattrs.EnumerateArray().ToDictionary(x => ReadPath(x, "name"), x => x.GetProperty("value").GetBytesFromBase64(), StringComparer.Ordinal)
                    : null),
            _ => throw new InvalidDataException($"{path}: unknown step {kind}"),
        };
    }

    /// <summary>
    /// The complete lines of a file, last first. The buffer holds the file's bytes from <c>_start</c> on, at its end;
    /// what was returned already is dropped, so it grows only for a line longer than it.
    /// </summary>
    private sealed class BackwardLines : IDisposable
    {
        private readonly SafeFileHandle _handle;
        private readonly string _path;
        private byte[] _buffer = new byte[64 * 1024];
        /// <summary>The file offset of the first byte held; the bytes held are <c>_buffer[^(_end - _start)..]</c>.</summary>
        private long _start;
        /// <summary>The file offset just past the last byte held.</summary>
        private long _end;
        /// <summary>The file offset of the newline that ends the next line to return; -1 before the first call.</summary>
        private long _lineEnd = -1;
        private bool _done;

        public BackwardLines(string path)
        {
            _path = path;
            _handle = Posix.OpenRead(path);
            _start = _end = RandomAccess.GetLength(_handle);
        }

        /// <summary>The line before the last one returned (without its newline); <paramref name="first"/> when it is the file's first.</summary>
        public bool TryPrevious(out ReadOnlyMemory<byte> line, out bool first)
        {
            line = default;
            first = false;
            if (_done) return false;
            if (_lineEnd < 0) _lineEnd = LastNewlineBefore(_end); // what follows the last newline was cut by a kill
            if (_lineEnd < 0)
            {
                _done = true;
                return false;
            }
            long previous = LastNewlineBefore(_lineEnd);
            long lineStart = previous + 1;
            line = _buffer.AsMemory((int)(_buffer.Length - (_end - lineStart)), (int)(_lineEnd - lineStart));
            first = lineStart == 0;
            _done = first;
            _lineEnd = previous;
            return true;
        }

        /// <summary>The offset of the last newline before <paramref name="limit"/>, or -1; bytes from <paramref name="limit"/> on are no longer needed.</summary>
        private long LastNewlineBefore(long limit)
        {
            // drop what is past the limit: the held bytes move to the buffer's end
            int keep = (int)(limit - _start);
            if (limit < _end)
            {
                int from = _buffer.Length - (int)(_end - _start);
                Array.Copy(_buffer, from, _buffer, _buffer.Length - keep, keep);
                _end = limit;
            }
            int searched = 0; // how many of the held bytes, from their end, hold no newline
            while (true)
            {
                int held = (int)(_end - _start);
                int at = _buffer.AsSpan(_buffer.Length - held, held - searched).LastIndexOf((byte)'\n');
                if (at >= 0) return _start + at;
                if (_start == 0) return -1;
                if (held == _buffer.Length)
                {
                    // one line longer than the buffer (a directory with large extended attributes): twice the room
                    var larger = new byte[_buffer.Length * 2];
                    Array.Copy(_buffer, 0, larger, larger.Length - held, held);
                    _buffer = larger;
                }
                int room = _buffer.Length - held;
                int count = (int)Math.Min(room, _start);
                int read = 0;
                while (read < count)
                {
                    int n = RandomAccess.Read(_handle, _buffer.AsSpan(room - count + read, count - read), _start - count + read);
                    if (n == 0) throw new InvalidDataException($"{_path} became shorter while it was read");
                    read += n;
                }
                _start -= count;
                searched = held; // only the new bytes need a look
            }
        }

        public void Dispose() => _handle.Dispose();
    }

    private static FileStatus ReadStatus(JsonElement e) => new()
    {
        Device = e.GetProperty("dev").GetUInt64(),
        Inode = e.GetProperty("ino").GetUInt64(),
        Mode = e.GetProperty("mode").GetUInt32(),
        Links = e.GetProperty("nlink").GetUInt64(),
        Uid = e.GetProperty("uid").GetUInt32(),
        Gid = e.GetProperty("gid").GetUInt32(),
        RDevice = e.GetProperty("rdev").GetUInt64(),
        Size = e.GetProperty("size").GetInt64(),
        Blocks = e.GetProperty("blocks").GetInt64(),
        AccessTime = ReadTime(e.GetProperty("atime")),
        ModTime = ReadTime(e.GetProperty("mtime")),
        ChangeTime = ReadTime(e.GetProperty("ctime")),
    };

    private static Timespec ReadTime(JsonElement e) => new(e[0].GetInt64(), e[1].GetInt64());

    private static string ReadPath(JsonElement e, string name) =>
        e.TryGetProperty(name, out var text) ? text.GetString()! : FsNames.FromBytes(e.GetProperty(name + "64").GetBytesFromBase64());

    private static string ReadPathValue(JsonElement e) =>
        e.ValueKind == JsonValueKind.String ? e.GetString()! : FsNames.FromBytes(e.GetProperty("path64").GetBytesFromBase64());
}

/// <summary>The first record of a <see cref="PlacementJournal"/>: whose placement, by which process, when, and its own directories (removed once it is undone).</summary>
internal sealed record PlacementJournalHeader(string App, ProcessIdentity Writer, DateTimeOffset Time, IReadOnlyList<string> OwnDirectories);
