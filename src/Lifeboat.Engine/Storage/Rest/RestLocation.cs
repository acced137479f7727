namespace Lifeboat.Engine.Storage.Rest;

/// <summary>
/// A <c>rest:http(s)://[user:pass@]host:port/path</c> location as restic reads it: the path always ends in a slash, the
/// user and password (URL-decoded) go into a Basic authorization header instead of the URL, and without them in the URL
/// RESTIC_REST_USERNAME and RESTIC_REST_PASSWORD are used (newer restic's variables).
/// </summary>
internal sealed record RestLocation(Uri BaseUri, string? User, string? Password, string Display)
{
    public static RestLocation Parse(string location, Func<string, string?> environment)
    {
        var display = BackendFactory.Redact(location);
        var url = location.StartsWith("rest:", StringComparison.Ordinal) ? location["rest:".Length..] : location;
        if (!url.EndsWith('/')) url += "/";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.Host.Length == 0)
            throw BackendException.Permanent($"invalid repository {display}: want rest:http://host:port/path or rest:https://user:password@host:port/path");
        if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
            throw BackendException.Permanent($"invalid repository {display}: a REST repository URL has no query (?) or fragment (#)");

        string? user = null, password = null;
        if (uri.UserInfo.Length > 0)
        {
            int colon = uri.UserInfo.IndexOf(':');
            user = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0) password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
        }
        else
        {
            user = environment("RESTIC_REST_USERNAME") is { Length: > 0 } u ? u : null;
            password = environment("RESTIC_REST_PASSWORD") is { Length: > 0 } p ? p : null;
        }
        var bare = new UriBuilder(uri) { UserName = "", Password = "" }.Uri;
        return new RestLocation(bare, user, password, display);
    }
}
