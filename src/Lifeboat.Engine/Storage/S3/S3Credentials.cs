namespace Lifeboat.Engine.Storage.S3;

/// <summary>
/// An access key pair (and session token) for signing. Found in restic 0.14's order: AWS_ACCESS_KEY_ID and
/// AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN), then the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else
/// ~/.aws/credentials) under the profile AWS_PROFILE (else "default"), then MINIO_ACCESS_KEY and MINIO_SECRET_KEY.
/// Only the caller's environment lookup is used, never the process environment itself.
/// </summary>
public sealed record S3Credentials(string AccessKeyId, string SecretAccessKey, string? SessionToken)
{
    /// <summary>Never the secret: records print all their members otherwise.</summary>
    public override string ToString() => $"S3Credentials {{ AccessKeyId = {AccessKeyId} }}";

    public static S3Credentials Resolve(Func<string, string?> environment)
    {
        string? Env(string name) => environment(name) is { Length: > 0 } value ? value : null;

        if (Env("AWS_ACCESS_KEY_ID") is { } id && Env("AWS_SECRET_ACCESS_KEY") is { } secret)
            return new S3Credentials(id, secret, Env("AWS_SESSION_TOKEN"));
        if (Env("AWS_ACCESS_KEY") is { } oldId && Env("AWS_SECRET_KEY") is { } oldSecret)
            return new S3Credentials(oldId, oldSecret, Env("AWS_SESSION_TOKEN"));

        var file = Env("AWS_SHARED_CREDENTIALS_FILE") ?? (Env("HOME") is { } home ? Path.Combine(home, ".aws", "credentials") : null);
        var profile = Env("AWS_PROFILE") ?? "default";
        if (file is not null && File.Exists(file))
        {
            if (FromSharedFile(file, profile) is { } fromFile) return fromFile;
            if (Env("AWS_PROFILE") is not null)
                throw BackendException.Permanent($"s3: profile \"{profile}\" in {file} has no aws_access_key_id and aws_secret_access_key");
        }
        else if (Env("AWS_PROFILE") is not null)
            throw BackendException.Permanent($"s3: AWS_PROFILE is \"{profile}\" but there is no shared credentials file {file ?? "~/.aws/credentials"}");

        if (Env("MINIO_ACCESS_KEY") is { } minioId && Env("MINIO_SECRET_KEY") is { } minioSecret)
            return new S3Credentials(minioId, minioSecret, null);

        throw BackendException.Permanent(
            "s3: no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with a profile in ~/.aws/credentials");
    }

    /// <summary>One profile of an INI-style credentials file ([name] sections, key = value lines, # and ; comments).</summary>
    internal static S3Credentials? FromSharedFile(string path, string profile)
    {
        string[] lines;
        try { lines = File.ReadAllLines(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw BackendException.Permanent($"s3: cannot read the shared credentials file {path}: {e.Message}");
        }
        bool inProfile = false;
        string? id = null, secret = null, token = null;
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#' || line[0] == ';') continue;
            if (line[0] == '[' && line[^1] == ']')
            {
                inProfile = line[1..^1].Trim() == profile;
                continue;
            }
            if (!inProfile) continue;
            int eq = line.IndexOf('=');
            if (eq <= 0) continue;
            var key = line[..eq].Trim().ToLowerInvariant();
            var value = line[(eq + 1)..].Trim();
            switch (key)
            {
                case "aws_access_key_id": id = value; break;
                case "aws_secret_access_key": secret = value; break;
                case "aws_session_token": token = value.Length == 0 ? null : value; break;
            }
        }
        return id is { Length: > 0 } && secret is { Length: > 0 } ? new S3Credentials(id, secret, token) : null;
    }
}
