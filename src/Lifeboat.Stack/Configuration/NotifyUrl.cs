using System.Text.RegularExpressions;

namespace Lifeboat.Stack.Configuration;

/// <summary>What of a notification URL may be shown, and whether it holds a password.</summary>
public static partial class NotifyUrl
{
    // user:password@ (or :token@), or a query parameter that carries credentials (ntfy's ?auth=, ?token=, ...)
    [GeneratedRegex(@"^[a-z][a-z0-9+.-]*://[^/\s@]*:[^/\s@]*@|[?&](auth|token|access_token|password|passwd|pass|secret|key|apikey|api_key)=[^&\s]", RegexOptions.IgnoreCase)]
    private static partial Regex Credentials();

    /// <summary>True when the URL carries a password or token that lifeboat.yaml must not hold.</summary>
    public static bool HoldsSecret(string url) => Credentials().IsMatch(url);

    /// <summary>
    /// The scheme, host and port only: what a log line may show. The path is left out, since a ping URL's UUID or an
    /// ntfy topic is itself the capability to post.
    /// </summary>
    public static string Redact(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? $"{uri.Scheme}://{uri.Authority}" : "(invalid URL)";
}
