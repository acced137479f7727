namespace Lifeboat.Engine.Storage.S3;

/// <summary>How addresses name the bucket: in the host name (virtual-hosted, "dns") or in the path ("path").</summary>
public enum S3BucketLookup { Auto, Dns, Path }

/// <summary>
/// restic's <c>-o s3.*</c> options: <c>s3.connections</c> (default 5), <c>s3.region</c> (else AWS_DEFAULT_REGION, else taken
/// from an amazonaws.com host name or us-east-1), <c>s3.bucket-lookup</c> (auto, dns or path), <c>s3.storage-class</c> and
/// <c>s3.layout</c> (default, s3legacy, or auto: detected on open).
/// </summary>
public sealed record S3Options(int Connections, string? Region, S3BucketLookup BucketLookup, string? StorageClass, string? Layout)
{
    private static readonly string[] Known = ["connections", "region", "bucket-lookup", "storage-class", "layout"];

    public static S3Options From(BackendSettings settings)
    {
        foreach (var key in settings.Options.Keys)
        {
            if (!key.StartsWith("s3.", StringComparison.Ordinal)) continue;
            if (Array.IndexOf(Known, key[3..]) < 0)
                throw BackendException.Permanent($"invalid option {key}: the s3 backend knows s3.{string.Join(", s3.", Known)}");
        }
        var lookup = settings.Option("s3.bucket-lookup") switch
        {
            null or "" or "auto" => S3BucketLookup.Auto,
            "dns" => S3BucketLookup.Dns,
            "path" => S3BucketLookup.Path,
            var other => throw BackendException.Permanent($"invalid option s3.bucket-lookup=\"{other}\": choose auto, dns or path"),
        };
        var layout = settings.Option("s3.layout") switch
        {
            null or "" or "auto" => null,
            "default" => "default",
            "s3legacy" => "s3legacy",
            var other => throw BackendException.Permanent($"invalid option s3.layout=\"{other}\": choose auto, default or s3legacy"),
        };
        var region = settings.Option("s3.region") is { Length: > 0 } r ? r : settings.Environment("AWS_DEFAULT_REGION") is { Length: > 0 } e ? e : null;
        var storageClass = settings.Option("s3.storage-class") is { Length: > 0 } sc ? sc : null;
        return new S3Options(settings.Connections("s3", 5), region, lookup, storageClass, layout);
    }
}
