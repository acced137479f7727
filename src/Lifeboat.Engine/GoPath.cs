namespace Lifeboat.Engine;

/// <summary>Go's path.Clean, which restic applies to snapshot paths and repository locations: Lifeboat must clean them alike.</summary>
public static class GoPath
{
    /// <summary>One slash between names, no "." names, ".." resolved where it can be, "." for nothing. Works on surrogate-escaped strings.</summary>
    public static string Clean(string path)
    {
        bool rooted = path.StartsWith('/');
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".") continue;
            if (part == "..")
            {
                if (parts.Count > 0 && parts[^1] != "..") parts.RemoveAt(parts.Count - 1);
                else if (!rooted) parts.Add("..");
                continue;
            }
            parts.Add(part);
        }
        var joined = string.Join('/', parts);
        if (rooted) return "/" + joined;
        return joined.Length == 0 ? "." : joined;
    }
}
