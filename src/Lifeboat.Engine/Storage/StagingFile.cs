using System.Security.Cryptography;

namespace Lifeboat.Engine.Storage;

/// <summary>
/// A file written piece by piece (a pack as its blobs arrive), then saved whole by a backend. Lives under a temporary name
/// in <see cref="Directory"/>; disposing removes it unless a backend took it (<see cref="MarkTaken"/>).
/// </summary>
public sealed class StagingFile : SaveSource, IDisposable
{
    private const UnixFileMode FileMode600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private FileStream? _writer;
    private long _length;
    private bool _taken;

    public StagingFile(string directory, string prefix = "tmp-")
    {
        Directory = directory;
        Path = System.IO.Path.Combine(directory, $"{prefix}{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}");
        _writer = new FileStream(Path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.Read | FileShare.Delete,
            UnixCreateMode = FileMode600,
            // Writers hand over whole blobs: no second buffer.
            BufferSize = 0,
        });
    }

    /// <summary>A staging file in the system's temporary directory ($TMPDIR), for backends that upload it.</summary>
    public static StagingFile InTempDirectory() => new(System.IO.Path.GetTempPath(), "lifeboat-staging-");

    public string Directory { get; }
    public string Path { get; }
    public override long Length => _length;

    public void Write(ReadOnlySpan<byte> data)
    {
        (_writer ?? throw new InvalidOperationException("the staging file is complete")).Write(data);
        _length += data.Length;
    }

    /// <summary>Closes the file for writing; with <paramref name="durable"/>, its bytes are on disk first (fsync).</summary>
    public void Complete(bool durable)
    {
        if (_writer is null) return;
        if (durable) _writer.Flush(flushToDisk: true);
        _writer.Dispose();
        _writer = null;
    }

    public override Stream OpenRead()
    {
        Complete(durable: false);
        return new FileStream(Path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite | FileShare.Delete,
            BufferSize = 0,
            Options = FileOptions.SequentialScan,
        });
    }

    /// <summary>A backend moved the file to its final place: nothing to remove on dispose.</summary>
    public void MarkTaken() => _taken = true;

    public void Dispose()
    {
        _writer?.Dispose();
        _writer = null;
        if (_taken) return;
        try { File.Delete(Path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
