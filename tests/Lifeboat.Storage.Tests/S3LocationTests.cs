using Lifeboat.Engine.Storage;
using Lifeboat.Engine.Storage.S3;
using Lifeboat.TestSupport;

namespace Lifeboat.Storage.Tests;

public sealed class S3LocationTests
{
    // restic 0.14's own table (internal/backend/s3/config_test.go), and the AWS forms of its manual.
    [Theory]
    [InlineData("s3://eu-central-1/bucketname", "eu-central-1", "bucketname", "", false)]
    [InlineData("s3://eu-central-1/bucketname/", "eu-central-1", "bucketname", "", false)]
    [InlineData("s3://eu-central-1/bucketname/prefix/directory", "eu-central-1", "bucketname", "prefix/directory", false)]
    [InlineData("s3://eu-central-1/bucketname/prefix/directory/", "eu-central-1", "bucketname", "prefix/directory", false)]
    [InlineData("s3:eu-central-1/foobar", "eu-central-1", "foobar", "", false)]
    [InlineData("s3:eu-central-1/foobar/", "eu-central-1", "foobar", "", false)]
    [InlineData("s3:eu-central-1/foobar/prefix/directory", "eu-central-1", "foobar", "prefix/directory", false)]
    [InlineData("s3:eu-central-1/foobar/prefix/directory/", "eu-central-1", "foobar", "prefix/directory", false)]
    [InlineData("s3:hostname.foo/foobar", "hostname.foo", "foobar", "", false)]
    [InlineData("s3:hostname.foo/foobar/prefix/directory", "hostname.foo", "foobar", "prefix/directory", false)]
    [InlineData("s3:https://hostname/foobar", "hostname", "foobar", "", false)]
    [InlineData("s3:https://hostname:9999/foobar", "hostname:9999", "foobar", "", false)]
    [InlineData("s3:https://hostname:9999/foobar/", "hostname:9999", "foobar", "", false)]
    [InlineData("s3:http://hostname:9999/foobar", "hostname:9999", "foobar", "", true)]
    [InlineData("s3:http://hostname:9999/foobar/", "hostname:9999", "foobar", "", true)]
    [InlineData("s3:http://hostname:9999/bucket/prefix/directory", "hostname:9999", "bucket", "prefix/directory", true)]
    [InlineData("s3:http://hostname:9999/bucket/prefix/directory/", "hostname:9999", "bucket", "prefix/directory", true)]
    [InlineData("s3:s3.amazonaws.com/bucket", "s3.amazonaws.com", "bucket", "", false)]
    [InlineData("s3:s3.amazonaws.com/bucket/a//b/./c", "s3.amazonaws.com", "bucket", "a/b/c", false)]
    [InlineData("s3:https://s3.eu-central-1.amazonaws.com/bucket/restic", "s3.eu-central-1.amazonaws.com", "bucket", "restic", false)]
    public void Locations_read_as_restic_reads_them(string text, string endpoint, string bucket, string prefix, bool useHttp)
    {
        Assert.Equal(new S3Location(endpoint, useHttp, bucket, prefix), S3Location.Parse(text));
    }

    [Theory]
    [InlineData("s3://", "host/region or bucket name not found")]
    [InlineData("s3:///", "host/region or bucket name not found")]
    [InlineData("s3:////", "host/region or bucket name not found")]
    [InlineData("s3:///bucket/prefix", "host/region or bucket name not found")]
    [InlineData("s3:https://hostname", "bucket name not found")]
    [InlineData("s3:https://hostname/", "bucket name not found")]
    [InlineData("s3:hostname", "bucket name not found")]
    [InlineData("s3:http://", "not a valid URL")]
    public void Malformed_locations_fail_in_one_line(string text, string why)
    {
        var e = Assert.Throws<BackendException>(() => S3Location.Parse(text));
        Assert.Equal(BackendErrorKind.Permanent, e.Kind);
        Assert.Contains(why, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void The_factory_opens_s3_locations()
    {
        var settings = new BackendSettings { Environment = name => name switch { "AWS_ACCESS_KEY_ID" => "id", "AWS_SECRET_ACCESS_KEY" => "secret", _ => null } };
        using var backend = BackendFactory.Open("s3:https://127.0.0.1:9/bucket/prefix", settings);
        Assert.Equal("s3:https://127.0.0.1:9/bucket/prefix", backend.Location);
        Assert.False(backend.IsLocal);
        Assert.Equal(5, backend.Connections);
    }

    [Fact]
    public void Options_are_restics()
    {
        static BackendSettings With(params (string, string)[] options) => new()
        {
            Options = options.ToDictionary(o => o.Item1, o => o.Item2),
            Environment = name => name == "AWS_DEFAULT_REGION" ? "eu-west-3" : null,
        };
        var parsed = S3Options.From(With(("s3.connections", "9"), ("s3.bucket-lookup", "dns"), ("s3.storage-class", "STANDARD_IA")));
        Assert.Equal(new S3Options(9, "eu-west-3", S3BucketLookup.Dns, "STANDARD_IA", null), parsed);
        Assert.Equal("ap-south-1", S3Options.From(With(("s3.region", "ap-south-1"))).Region);
        Assert.Equal(S3BucketLookup.Path, S3Options.From(With(("s3.bucket-lookup", "path"))).BucketLookup);
        Assert.Contains("choose auto, dns or path", Assert.Throws<BackendException>(() => S3Options.From(With(("s3.bucket-lookup", "virtual")))).Message);
        Assert.Contains("s3.connections", Assert.Throws<BackendException>(() => S3Options.From(With(("s3.connections", "0")))).Message);
        Assert.Contains("invalid option s3.endpoint", Assert.Throws<BackendException>(() => S3Options.From(With(("s3.endpoint", "x")))).Message);
    }

    [Fact]
    public void Credentials_come_from_the_given_environment_first_then_the_profile_file()
    {
        using var home = new TempDirectory();
        Directory.CreateDirectory(home.Combine(".aws"));
        File.WriteAllText(home.Combine(".aws/credentials"), """
            # comment
            [default]
            aws_access_key_id = DEFAULTID
            aws_secret_access_key = defaultsecret

            [work]
            aws_access_key_id=WORKID
            aws_secret_access_key=worksecret
            aws_session_token=worktoken
            """);
        Func<string, string?> Env(params (string, string)[] vars) => name => vars.FirstOrDefault(v => v.Item1 == name).Item2;

        Assert.Equal(new S3Credentials("ENVID", "envsecret", "tok"), S3Credentials.Resolve(Env(
            ("AWS_ACCESS_KEY_ID", "ENVID"), ("AWS_SECRET_ACCESS_KEY", "envsecret"), ("AWS_SESSION_TOKEN", "tok"), ("HOME", home.Path))));
        Assert.Equal(new S3Credentials("DEFAULTID", "defaultsecret", null), S3Credentials.Resolve(Env(("HOME", home.Path))));
        Assert.Equal(new S3Credentials("WORKID", "worksecret", "worktoken"), S3Credentials.Resolve(Env(("HOME", home.Path), ("AWS_PROFILE", "work"))));
        var missing = Assert.Throws<BackendException>(() => S3Credentials.Resolve(Env(("HOME", home.Path), ("AWS_PROFILE", "nope"))));
        Assert.Contains("profile \"nope\"", missing.Message);
        var none = Assert.Throws<BackendException>(() => S3Credentials.Resolve(Env(("HOME", home.Combine("nowhere")))));
        Assert.Contains("AWS_ACCESS_KEY_ID", none.Message);
        // A record's printout never shows the secret.
        Assert.DoesNotContain("envsecret", new S3Credentials("ENVID", "envsecret", null).ToString());
    }
}
