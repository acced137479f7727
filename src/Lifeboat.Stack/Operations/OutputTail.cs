using System.Text;

namespace Lifeboat.Stack.Operations;

/// <summary>The last lines of a job's output, at most <c>limit</c> characters: what a notification body shows.</summary>
public sealed class OutputTail(int limit = OutputTail.DefaultLimit)
{
    public const int DefaultLimit = 4096;

    private readonly object _gate = new();
    private readonly Queue<string> _lines = new();
    private int _length;

    public string? LastStdout { get; private set; }
    public string? LastStderr { get; private set; }
    /// <summary>The last line starting with "Fatal:" (the CLI's one-line error), if any.</summary>
    public string? LastFatal { get; private set; }

    public void Add(string line, bool isError)
    {
        // carriage-return progress and very long lines must not crowd out the lines that tell what happened
        line = line.TrimEnd('\r');
        if (line.Length > 512) line = line[..512] + "...";
        lock (_gate)
        {
            if (line.Trim().Length > 0)
            {
                if (isError) LastStderr = line; else LastStdout = line;
                if (line.StartsWith("Fatal:", StringComparison.Ordinal)) LastFatal = line;
            }
            _lines.Enqueue(line);
            _length += line.Length + 1;
            while (_length > limit && _lines.Count > 1) _length -= _lines.Dequeue().Length + 1;
        }
    }

    public override string ToString()
    {
        lock (_gate)
        {
            var text = new StringBuilder(_length);
            foreach (var line in _lines) text.Append(line).Append('\n');
            return text.ToString();
        }
    }
}
