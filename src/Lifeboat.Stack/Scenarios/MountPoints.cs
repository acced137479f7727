using System.Text;

namespace Lifeboat.Stack.Scenarios;

/// <summary>
/// The mount points of this process's mount namespace (/proc/self/mountinfo), for an in-place restore: its files reach
/// their place by renames, which cannot cross from one file system into another mounted inside an app's path.
/// </summary>
internal static class MountPoints
{
    /// <summary>Every mount point, as an absolute path (mountinfo's octal escapes of space, tab, newline and \ undone).</summary>
    public static IReadOnlyList<string> List(string mountInfo = "/proc/self/mountinfo")
    {
        var points = new List<string>();
        string[] lines;
        try
        {
            lines = File.ReadAllLines(mountInfo);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return points; // no /proc: nothing to say, the renames will tell
        }
        foreach (var line in lines)
        {
            // ID PARENT MAJOR:MINOR ROOT MOUNTPOINT OPTIONS ...
            var fields = line.Split(' ');
            if (fields.Length > 4 && fields[4].StartsWith('/')) points.Add(Unescape(fields[4]));
        }
        return points;
    }

    /// <summary>The mount points strictly below <paramref name="directory"/>, in order.</summary>
    public static List<string> Below(string directory, IReadOnlyList<string> points)
    {
        var prefix = directory == "/" ? "/" : directory + "/";
        return points.Where(p => p.Length > prefix.Length && p.StartsWith(prefix, StringComparison.Ordinal)).Distinct().Order(StringComparer.Ordinal).ToList();
    }

    private static string Unescape(string field)
    {
        if (!field.Contains('\\')) return field;
        var bytes = new List<byte>();
        for (int i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && IsOctal(field, i + 1))
            {
                bytes.Add((byte)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(field[i].ToString()));
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static bool IsOctal(string s, int at) =>
        at + 3 <= s.Length && s[at] is >= '0' and <= '3' && s[at + 1] is >= '0' and <= '7' && s[at + 2] is >= '0' and <= '7';
}
