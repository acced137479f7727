namespace Lifeboat.Engine.Storage.Sftp;

/// <summary>
/// Where an <c>sftp:</c> repository lives, read from the location exactly as restic 0.14 reads it
/// (internal/backend/sftp/config.go):
/// <list type="bullet">
/// <item><c>sftp:user@host:/abs/path</c> and <c>sftp:host:rel/path</c>: split at the first colon; the part before it is
/// <c>[user@]host</c>, where a user name may itself hold one '@' (<c>sftp:user@domain@host:/p</c>). A relative path is
/// relative to the login directory. The host may be an alias from ~/.ssh/config.</item>
/// <item><c>sftp://user@host:port/rel/path</c> and <c>sftp://user@host:port//abs/path</c>: a URL; the path after the
/// host's slash, so a second slash makes it absolute. IPv6 hosts in brackets.</item>
/// </list>
/// The path is cleaned like Go's path.Clean; a path starting with '~' is refused, as restic refuses it.
/// </summary>
public sealed record SftpConfig(string User, string Host, string Port, string Path)
{
    public const string TildeError =
        "sftp path starts with the tilde (~) character, that fails for most sftp servers. Use a relative directory, most servers interpret this as relative to the user's home directory.";

    /// <summary>Parses a location starting with "sftp:"; throws a permanent <see cref="BackendException"/> with restic's message.</summary>
    public static SftpConfig Parse(string location)
    {
        string user = "", host, port = "", dir;
        if (location.StartsWith("sftp://", StringComparison.Ordinal))
        {
            (user, host, port, dir) = ParseUrl(location);
            if (dir == "") throw Invalid($"invalid backend \"{location}\", no directory specified");
            dir = dir[1..];
        }
        else if (location.StartsWith("sftp:", StringComparison.Ordinal))
        {
            var rest = location[5..];
            int colon = rest.IndexOf(':');
            if (colon < 0) throw Invalid("sftp: invalid format, hostname or path not found");
            host = rest[..colon];
            dir = rest[(colon + 1)..];
            var parts = host.Split('@', 3);
            if (parts.Length == 3)
            {
                user = parts[0] + "@" + parts[1];
                host = parts[2];
            }
            else if (parts.Length == 2)
            {
                user = parts[0];
                host = parts[1];
            }
        }
        else
        {
            throw Invalid("invalid format, does not start with \"sftp:\"");
        }

        var path = CleanPath(dir);
        if (path.StartsWith('~')) throw Invalid(TildeError);
        return new SftpConfig(user, host, port, path);
    }

    private static BackendException Invalid(string message) => BackendException.Permanent(message);

    /// <summary>The parts of an sftp:// URL as Go's net/url gives them: the user name, host without brackets, port, path (unescaped).</summary>
    private static (string User, string Host, string Port, string Path) ParseUrl(string location)
    {
        var rest = location["sftp://".Length..];
        int slash = rest.IndexOf('/');
        var authority = slash < 0 ? rest : rest[..slash];
        var path = slash < 0 ? "" : rest[slash..];
        int query = path.IndexOfAny(['?', '#']);
        if (query >= 0) path = path[..query];
        string user = "";
        int at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = authority[..at];
            int colon = userInfo.IndexOf(':');
            user = Unescape(colon < 0 ? userInfo : userInfo[..colon], location);
            authority = authority[(at + 1)..];
        }
        string host, port = "";
        if (authority.StartsWith('['))
        {
            int close = authority.IndexOf(']');
            if (close < 0) throw Invalid($"parse \"{location}\": missing ']' in host");
            host = authority[1..close];
            var after = authority[(close + 1)..];
            if (after.Length > 0)
            {
                if (after[0] != ':') throw Invalid($"parse \"{location}\": invalid port \"{after}\" after host");
                port = after[1..];
            }
        }
        else
        {
            int colon = authority.LastIndexOf(':');
            host = colon < 0 ? authority : authority[..colon];
            if (colon >= 0) port = authority[(colon + 1)..];
        }
        foreach (char c in port)
            if (!char.IsAsciiDigit(c)) throw Invalid($"parse \"{location}\": invalid port \":{port}\" after host");
        return (user, Unescape(host, location), port, Unescape(path, location));
    }

    private static string Unescape(string s, string location)
    {
        if (!s.Contains('%')) return s;
        var bytes = new List<byte>();
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '%')
            {
                if (i + 2 >= s.Length || !char.IsAsciiHexDigit(s[i + 1]) || !char.IsAsciiHexDigit(s[i + 2]))
                    throw Invalid($"parse \"{location}\": invalid URL escape \"{s[i..Math.Min(s.Length, i + 3)]}\"");
                bytes.Add(Convert.ToByte(s.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                bytes.AddRange(System.Text.Encoding.UTF8.GetBytes(s[i].ToString()));
            }
        }
        return System.Text.Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>Go's path.Clean, as restic cleans the directory.</summary>
    public static string CleanPath(string path) => GoPath.Clean(path);

    /// <summary>[user@]host[:port], for messages.</summary>
    public string Display => (User == "" ? "" : User + "@") + Host + (Port == "" ? "" : ":" + Port);
}
