using System.Text;

namespace Lifeboat.Stack.Operations.Notifications;

/// <summary>
/// The last lines of what a job printed, for <see cref="JobResult.LogTail"/>: text is fed in as it is written, a
/// carriage return starts its line again (a progress line redrawn in place leaves only its last state) and terminal
/// escape sequences are dropped. Thread-safe: stdout and stderr both write into one.
/// </summary>
public sealed class LogTailBuffer(int maxLines = 40, int maxLineLength = 500)
{
    private readonly Queue<string> _lines = new();
    private readonly StringBuilder _current = new();
    private readonly Lock _lock = new();
    private int _escape; // 0 none, 1 after ESC, 2 inside a CSI sequence

    public void Append(char c)
    {
        lock (_lock) Add(c);
    }

    public void Append(ReadOnlySpan<char> text)
    {
        lock (_lock)
        {
            foreach (var c in text) Add(c);
        }
    }

    /// <summary>The kept lines, the unfinished one last, joined by newlines.</summary>
    public override string ToString()
    {
        lock (_lock)
        {
            var lines = _current.Length > 0 ? _lines.Append(_current.ToString()) : _lines;
            return string.Join("\n", lines.TakeLast(maxLines));
        }
    }

    private void Add(char c)
    {
        if (_escape == 1) { _escape = c == '[' ? 2 : 0; return; }
        if (_escape == 2) { if (c is >= '@' and <= '~') _escape = 0; return; }
        switch (c)
        {
            case '\u001b': _escape = 1; return;
            case '\r': _current.Clear(); return;
            case '\n':
                _lines.Enqueue(_current.ToString());
                _current.Clear();
                while (_lines.Count > maxLines) _lines.Dequeue();
                return;
            default:
                if ((!char.IsControl(c) || c == '\t') && _current.Length < maxLineLength) _current.Append(c);
                return;
        }
    }
}
