using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Lifeboat.Engine.Storage.S3;

/// <summary>
/// AWS Signature Version 4 in the Authorization header, for the S3 service. The payload is given as its hex SHA-256 or
/// as <see cref="UnsignedPayload"/> (over HTTPS, where TLS protects the body): never the aws-chunked streaming form.
/// </summary>
internal static class S3Signer
{
    public const string UnsignedPayload = "UNSIGNED-PAYLOAD";
    public static readonly string EmptyPayload = Convert.ToHexStringLower(SHA256.HashData([]));

    /// <summary>
    /// Adds x-amz-date, x-amz-content-sha256, x-amz-security-token and Authorization to <paramref name="request"/>.
    /// <paramref name="canonicalPath"/> and <paramref name="canonicalQuery"/> are already URI-encoded as S3 wants them;
    /// every header set on the request so far that is sent (host, content-md5, content-type, x-amz-*) is signed.
    /// </summary>
    public static void Sign(HttpRequestMessage request, string host, string canonicalPath, string canonicalQuery,
        string payloadHash, S3Credentials credentials, string region, DateTime now)
    {
        string amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        string date = amzDate[..8];
        request.Headers.TryAddWithoutValidation("x-amz-date", amzDate);
        request.Headers.TryAddWithoutValidation("x-amz-content-sha256", payloadHash);
        if (credentials.SessionToken is { } token) request.Headers.TryAddWithoutValidation("x-amz-security-token", token);

        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["host"] = host };
        foreach (var (name, values) in request.Headers) Add(headers, name, values);
        if (request.Content is not null)
            foreach (var (name, values) in request.Content.Headers)
                if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) Add(headers, name, values);

        var canonicalHeaders = new StringBuilder();
        foreach (var (name, value) in headers) canonicalHeaders.Append(name).Append(':').Append(value).Append('\n');
        string signedHeaders = string.Join(';', headers.Keys);
        string canonicalRequest = $"{request.Method.Method}\n{canonicalPath}\n{canonicalQuery}\n{canonicalHeaders}\n{signedHeaders}\n{payloadHash}";

        string scope = $"{date}/{region}/s3/aws4_request";
        string stringToSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";
        byte[] key = Hmac(Encoding.UTF8.GetBytes("AWS4" + credentials.SecretAccessKey), date);
        key = Hmac(key, region);
        key = Hmac(key, "s3");
        key = Hmac(key, "aws4_request");
        string signature = Hex(Hmac(key, stringToSign));
        request.Headers.TryAddWithoutValidation("Authorization",
            $"AWS4-HMAC-SHA256 Credential={credentials.AccessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}");
    }

    private static void Add(SortedDictionary<string, string> headers, string name, IEnumerable<string> values)
    {
        var lower = name.ToLowerInvariant();
        if (lower is "authorization" or "user-agent" or "connection" or "expect") return;
        headers[lower] = string.Join(',', values.Select(v => string.Join(' ', v.Split(' ', StringSplitOptions.RemoveEmptyEntries))));
    }

    /// <summary>S3's URI encoding: every byte but A-Z a-z 0-9 - . _ ~ as %XX; '/' kept when <paramref name="keepSlash"/>.</summary>
    public static string UriEncode(string text, bool keepSlash)
    {
        var sb = new StringBuilder(text.Length);
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            char c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' || (keepSlash && c == '/')) sb.Append(c);
            else sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
