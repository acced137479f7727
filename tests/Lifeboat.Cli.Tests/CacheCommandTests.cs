using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>
/// <c>lifeboat cache</c> against restic's <c>cache</c> on the same cache directories: the same listing, the same cleanup.
/// (The caching itself is proven through the engine in Lifeboat.Storage.Tests; a local repository keeps no cache.)
/// </summary>
public sealed class CacheCommandTests : CliTestBase
{
    private string CacheBase => Temp.Combine("cache");

    /// <summary>A repository cache directory with some bytes in it, last used <paramref name="daysAgo"/> days ago.</summary>
    private string MakeCache(char digit, int daysAgo, int bytes)
    {
        var dir = Path.Combine(CacheBase, new string(digit, 64));
        Directory.CreateDirectory(Path.Combine(dir, "snapshots", "ab"));
        File.WriteAllText(Path.Combine(dir, "version"), "1");
        File.WriteAllBytes(Path.Combine(dir, "snapshots", "ab", "ab" + new string('0', 62)), new byte[bytes]);
        Directory.SetLastWriteTimeUtc(dir, DateTime.UtcNow.AddDays(-daysAgo).AddHours(-1));
        return dir;
    }

    private void MakeCaches()
    {
        MakeCache('a', 40, 2);
        MakeCache('b', 3, 5000);
        MakeCache('c', 0, 3 << 20);
        // Not a repository's cache: never listed, never removed.
        Directory.CreateDirectory(Path.Combine(CacheBase, "notanid"));
        Directory.SetLastWriteTimeUtc(Path.Combine(CacheBase, "notanid"), DateTime.UtcNow.AddDays(-100));
        File.WriteAllText(Path.Combine(CacheBase, "CACHEDIR.TAG"), "Signature: 8a477f597d28d172789f06886806bc55\n");
    }

    [Theory]
    [InlineData("")]
    [InlineData("--no-size")]
    [InlineData("--max-age 2")]
    [InlineData("--max-age 50 --no-size")]
    public void The_listing_is_restics(string options)
    {
        var flags = options.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        MakeCaches();
        using var restic = new Restic(Repo, Password);
        var expected = restic.RunChecked(["--cache-dir", CacheBase, "cache", .. flags]);
        var actual = Cli.RunChecked(["--cache-dir", CacheBase, "cache", .. flags]);
        Assert.Equal(expected.Stdout, actual.Stdout);
        Assert.Contains("aaaaaaaaaa", actual.Stdout);
        Assert.DoesNotContain("notanid", actual.Stdout);
    }

    [Fact]
    public void No_caches_is_said_with_the_base_directory()
    {
        var r = Cli.RunChecked("--cache-dir", CacheBase, "cache");
        Assert.Equal($"no cache dirs found, basedir is {CacheBase}\n", r.Stdout);
        Assert.False(Directory.Exists(CacheBase));
    }

    [Fact]
    public void Cleanup_removes_only_caches_older_than_the_max_age()
    {
        MakeCaches();
        var r = Cli.RunChecked("--cache-dir", CacheBase, "cache", "--cleanup");
        Assert.Equal("remove 1 old cache directories\n", r.Stdout);
        Assert.False(Directory.Exists(Path.Combine(CacheBase, new string('a', 64))));
        Assert.True(Directory.Exists(Path.Combine(CacheBase, new string('b', 64))));
        Assert.True(Directory.Exists(Path.Combine(CacheBase, new string('c', 64))));
        Assert.True(Directory.Exists(Path.Combine(CacheBase, "notanid")));
        Assert.True(File.Exists(Path.Combine(CacheBase, "CACHEDIR.TAG")));

        r = Cli.RunChecked("--cache-dir", CacheBase, "cache", "--cleanup");
        Assert.Equal("no old cache dirs found\n", r.Stdout);

        r = Cli.RunChecked("--cache-dir", CacheBase, "cache", "--cleanup", "--max-age", "1");
        Assert.Equal("remove 1 old cache directories\n", r.Stdout);
        Assert.False(Directory.Exists(Path.Combine(CacheBase, new string('b', 64))));
        Assert.True(Directory.Exists(Path.Combine(CacheBase, new string('c', 64))));
    }

    [Fact]
    public void The_cache_directory_comes_from_the_environment_when_not_given()
    {
        MakeCache('a', 1, 10);
        var viaRestic = new LifeboatCli(Repo, Password).With("LIFEBOAT_CACHE_DIR", null).With("RESTIC_CACHE_DIR", CacheBase).RunChecked("cache", "--no-size");
        Assert.EndsWith($"1 cache dirs in {CacheBase}\n", viaRestic.Stdout);
        var viaLifeboat = new LifeboatCli(Repo, Password).With("RESTIC_CACHE_DIR", "/nonexistent").With("LIFEBOAT_CACHE_DIR", CacheBase).RunChecked("cache", "--no-size");
        Assert.EndsWith($"1 cache dirs in {CacheBase}\n", viaLifeboat.Stdout);
        var home = new LifeboatCli(Repo, Password).With("LIFEBOAT_CACHE_DIR", null).With("XDG_CACHE_HOME", null).With("HOME", Temp.Path).RunChecked("cache");
        Assert.Equal($"no cache dirs found, basedir is {Temp.Combine(".cache/lifeboat")}\n", home.Stdout);
    }

    [Fact]
    public void With_no_cache_the_command_refuses_and_a_local_repository_writes_no_cache()
    {
        var r = Cli.Run("--no-cache", "--cache-dir", CacheBase, "cache");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("Fatal: Refusing to do anything, the cache is disabled\n", r.Stderr);
        AssertNoStackTrace(r);

        WriteFile("a.txt", "hello");
        Cli.RunChecked("init");
        Cli.RunChecked("--cache-dir", CacheBase, "backup", Source);
        Cli.RunChecked("--cache-dir", CacheBase, "snapshots");
        Assert.False(Directory.Exists(CacheBase));
    }

    [Fact]
    public void Without_HOME_or_a_cache_directory_the_command_says_what_is_missing()
    {
        var r = new LifeboatCli(Repo, Password).With("LIFEBOAT_CACHE_DIR", null).With("XDG_CACHE_HOME", null).With("HOME", null).Run("cache");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("Fatal: unable to locate cache directory: neither $XDG_CACHE_HOME nor $HOME are defined\n", r.Stderr);
    }
}
