using System.Text;

namespace Lifeboat.Stack.Dumps;

/// <summary>
/// Bytes a program writes, cut into lines as they arrive (a line may span reads), each handed on and the last ones
/// kept: what a failure's message quotes. Lines of both of a program's streams may share one instance.
/// </summary>
internal sealed class OutputLines(Action<string>? line, int keep = OutputLines.KeptLines)
{
    public const int KeptLines = 20;
    private const int MaxLine = 4096;

    private readonly Lock _gate = new();
    private readonly Queue<string> _tail = new();
    private readonly MemoryStream _partial = new();

    /// <summary>Appends bytes; every line they complete is handed on.</summary>
    public void Write(ReadOnlySpan<byte> bytes)
    {
        lock (_gate)
        {
            while (bytes.Length > 0)
            {
                int newline = bytes.IndexOf((byte)'\n');
                var part = newline < 0 ? bytes : bytes[..newline];
                // an endless line (binary output) is cut, not held whole
                if (_partial.Length < MaxLine) _partial.Write(part[..Math.Min(part.Length, MaxLine - (int)_partial.Length)]);
                if (newline < 0) return;
                EndLine();
                bytes = bytes[(newline + 1)..];
            }
        }
    }

    /// <summary>A whole line, as a process's line reader gives it.</summary>
    public void Add(string text)
    {
        lock (_gate) Keep(text);
    }

    /// <summary>Hands on the last line that had no newline.</summary>
    public void Complete()
    {
        lock (_gate)
            if (_partial.Length > 0) EndLine();
    }

    /// <summary>The last lines, oldest first, one per line.</summary>
    public string Tail
    {
        get
        {
            lock (_gate) return string.Join('\n', _tail);
        }
    }

    private void EndLine()
    {
        var text = Encoding.UTF8.GetString(_partial.GetBuffer(), 0, (int)_partial.Length).TrimEnd('\r');
        _partial.SetLength(0);
        Keep(text);
    }

    private void Keep(string text)
    {
        if (_tail.Count == keep) _tail.Dequeue();
        _tail.Enqueue(text);
        line?.Invoke(text);
    }
}
