using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Engine.Platform;

public static partial class Posix
{
    /// <summary>
    /// Reads until <paramref name="buffer"/> is full or the file ends (a positioned read may return less than asked
    /// even before the end); returns the bytes read.
    /// </summary>
    public static int ReadFully(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = RandomAccess.Read(handle, buffer[total..], offset + total);
            if (n == 0) break;
            total += n;
        }
        return total;
    }
}
