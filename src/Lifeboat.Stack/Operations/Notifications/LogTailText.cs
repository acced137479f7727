using System.Text;

namespace Lifeboat.Stack.Operations.Notifications;

/// <summary>Keeps the end of a text within a byte budget: the last lines of a log are the ones that say what went wrong.</summary>
public static class LogTailText
{
    /// <summary>The text's last <paramref name="maxBytes"/> bytes of UTF-8, cut at a line start when one is near, never inside a character.</summary>
    public static string Last(string text, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes) return text;
        const string marker = "[...]\n";
        int budget = Math.Max(0, maxBytes - marker.Length);
        // walk back from the end by characters until the budget is spent; surrogate pairs stay whole
        int bytes = 0, start = text.Length;
        while (start > 0)
        {
            int width = char.IsLowSurrogate(text[start - 1]) && start > 1 ? 2 : 1;
            int size = Encoding.UTF8.GetByteCount(text.AsSpan(start - width, width));
            if (bytes + size > budget) break;
            bytes += size;
            start -= width;
        }
        int newline = text.IndexOf('\n', start);
        if (newline >= 0 && newline - start < 200 && newline + 1 < text.Length) start = newline + 1;
        return marker + text[start..];
    }
}
