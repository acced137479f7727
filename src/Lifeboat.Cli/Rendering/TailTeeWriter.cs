using System.Text;
using Lifeboat.Stack.Operations.Notifications;

namespace Lifeboat.Cli.Rendering;

/// <summary>Writes through to a console writer and keeps a copy of the text in a <see cref="LogTailBuffer"/> (--notify's log tail).</summary>
internal sealed class TailTeeWriter(TextWriter inner, LogTailBuffer tail) : TextWriter
{
    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value)
    {
        inner.Write(value);
        tail.Append(value);
    }

    public override void Write(string? value)
    {
        inner.Write(value);
        tail.Append(value);
    }

    public override void Write(char[] buffer, int index, int count)
    {
        inner.Write(buffer, index, count);
        tail.Append(buffer.AsSpan(index, count));
    }

    public override void Write(ReadOnlySpan<char> buffer)
    {
        inner.Write(buffer);
        tail.Append(buffer);
    }

    public override void Flush() => inner.Flush();
}
