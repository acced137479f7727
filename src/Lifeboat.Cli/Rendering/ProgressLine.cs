namespace Lifeboat.Cli.Rendering;

/// <summary>A status line redrawn in place on the terminal a few times a second until disposed.</summary>
public sealed class ProgressLine : IDisposable
{
    private readonly Func<string> _render;
    private readonly Timer? _timer;
    private readonly Lock _lock = new();
    private bool _drawn;

    public ProgressLine(bool enabled, Func<string> render)
    {
        _render = render;
        if (enabled) _timer = new Timer(_ => Draw(), null, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));
    }

    private void Draw()
    {
        lock (_lock)
        {
            var text = _render();
            int width = Console.IsOutputRedirected ? 120 : Math.Max(20, Console.WindowWidth - 1);
            if (text.Length > width) text = text[..width];
            Console.Out.Write("\r\u001b[K" + text);
            Console.Out.Flush();
            _drawn = true;
        }
    }

    /// <summary>Clears the line so that ordinary output can follow.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            if (_drawn) Console.Out.Write("\r\u001b[K");
            _drawn = false;
        }
    }

    public void Dispose()
    {
        _timer?.Dispose();
        Clear();
    }
}
