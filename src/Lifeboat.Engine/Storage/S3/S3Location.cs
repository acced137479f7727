namespace Lifeboat.Engine.Storage.S3;

/// <summary>
/// Where an <c>s3:</c> repository lives, read as restic 0.14 reads it (internal/backend/s3/config.go):
/// <c>s3:https://host[:port]/bucket[/prefix]</c> and <c>s3:http://…</c> name the scheme; <c>s3:host/bucket[/prefix]</c> and
/// <c>s3://host/bucket[/prefix]</c> mean HTTPS. The host may be a region name as restic allows. A trailing slash or an empty
/// prefix means the bucket's root; a prefix is cleaned like Go's path.Clean (no doubled or trailing slashes).
/// </summary>
public sealed record S3Location(string Endpoint, bool UseHttp, string Bucket, string Prefix)
{
    public static S3Location Parse(string location)
    {
        if (location.StartsWith("s3:http", StringComparison.Ordinal))
        {
            var text = location[3..];
            if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != "http" && url.Scheme != "https") || url.Host.Length == 0)
                throw Invalid(location, "not a valid URL; want s3:https://host[:port]/bucket[/prefix]");
            // The path as written (Uri would unescape and normalise it); after the authority, up to any query or fragment.
            int authorityEnd = text.IndexOf('/', url.Scheme.Length + 3);
            string path = authorityEnd < 0 ? "" : text[authorityEnd..];
            int cut = path.IndexOfAny(['?', '#']);
            if (cut >= 0) path = path[..cut];
            if (path.Length == 0) throw Invalid(location, "bucket name not found; want s3:https://host[:port]/bucket[/prefix]");
            var (bucket, prefix) = CutOnce(path[1..]);
            return Create(location, url.Authority, bucket, prefix, url.Scheme == "http");
        }
        string rest;
        if (location.StartsWith("s3://", StringComparison.Ordinal)) rest = location[5..];
        else if (location.StartsWith("s3:", StringComparison.Ordinal)) rest = location[3..];
        else throw Invalid(location, "not an s3: location");
        var (endpoint, remainder) = CutOnce(rest);
        var (bucketName, prefixText) = CutOnce(remainder);
        return Create(location, endpoint, bucketName, prefixText, useHttp: false);
    }

    private static S3Location Create(string location, string endpoint, string bucket, string prefix, bool useHttp)
    {
        if (endpoint.Length == 0) throw Invalid(location, "invalid format, host/region or bucket name not found");
        if (bucket.Length == 0) throw Invalid(location, "bucket name not found; want s3:host/bucket[/prefix]");
        return new S3Location(endpoint, useHttp, bucket, prefix.Length == 0 ? "" : CleanPath(prefix));
    }

    private static (string Head, string Tail) CutOnce(string text)
    {
        int slash = text.IndexOf('/');
        return slash < 0 ? (text, "") : (text[..slash], text[(slash + 1)..]);
    }

    private static BackendException Invalid(string location, string why) =>
        BackendException.Permanent($"repository {BackendFactory.Redact(location)}: s3: {why}");

    internal static string CleanPath(string path) => GoPath.Clean(path);

    /// <summary>The location for messages: how restic would print it, without secrets (an s3 location holds none).</summary>
    public override string ToString() =>
        $"s3:{(UseHttp ? "http" : "https")}://{Endpoint}/{Bucket}{(Prefix.Length == 0 ? "" : "/" + Prefix)}";
}
