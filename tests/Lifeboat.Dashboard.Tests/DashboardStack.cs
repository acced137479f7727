using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Lifeboat.TestSupport;
using Microsoft.Playwright;

namespace Lifeboat.Dashboard.Tests;

/// <summary>
/// One stack made once for all the dashboard's tests, through the real binary as a user would: three apps in one
/// repository, backed up on a schedule: plex healthy (backed up twice, the first snapshot tagged pre-upgrade, and restore-tested), sonarr failing (its before hook
/// fails, so the run is recorded failed and no snapshot is made) and jellyfin backed up but never tested. Also the
/// browser: Debian's chromium driven by Playwright, headless.
/// </summary>
public sealed class DashboardStack : IAsyncLifetime
{
    public const string DashboardPassword = "correct horse dashboard";

    private readonly TempDirectory _temp = new("lifeboat-dashboard");
    public string Root => _temp.Path;
    public string ConfigPath => _temp.Combine("etc/lifeboat.yaml");
    /// <summary>The same stack with dashboard.password-file.</summary>
    public string PasswordConfigPath => _temp.Combine("etc/lifeboat-password.yaml");
    public string StateDirectory => _temp.Combine("state");
    public string Plex => _temp.Combine("mnt/plexdata");
    public LifeboatCli Cli => new LifeboatCli().With("LIFEBOAT_CONFIG", ConfigPath).With("LIFEBOAT_STATE_DIR", StateDirectory);

    /// <summary>What the secret scan looks for in the dashboard's answers: the repository password (lifeboat.yaml's
    /// password-file) and the dashboard's own password.</summary>
    public IReadOnlyDictionary<string, string?> ScanEnvironment => new Dictionary<string, string?> { ["LIFEBOAT_CONFIG"] = ConfigPath };

    private readonly ConcurrentQueue<Task> _scans = new();
    private readonly ConcurrentQueue<string> _secretHits = new();

    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Screenshots for the README: TestResults/dashboard/ in the repository (not committed; the lead copies them to docs/images/).</summary>
    public static string ScreenshotDirectory => Path.Combine(Fixtures.RepositoryRoot, "TestResults", "dashboard");

    public async ValueTask InitializeAsync()
    {
        Write("mnt/plexdata/Preferences.xml", "<Preferences FriendlyName=\"media-vm\"/>");
        Write("mnt/plexdata/Library/Metadata/poster one.jpg", new string('p', 70_000));
        Write("mnt/plexdata/Library/Metadata/überblick.txt", "non-ASCII name");
        var random = new byte[3_000_000]; // several chunks: a download must put them back in order
        new Random(15).NextBytes(random);
        Directory.CreateDirectory(_temp.Combine("mnt/plexdata/Library/Databases"));
        await File.WriteAllBytesAsync(_temp.Combine("mnt/plexdata/Library/Databases/library.db.bin"), random);
        Write("mnt/projects/sonarr/config.xml", "<sonarr/>");
        Write("mnt/projects/jellyfin/config/system.xml", "<jellyfin/>");
        Write("etc/password", "repository password of the dashboard tests");
        SecretScan.Register(DashboardPassword);
        File.SetUnixFileMode(_temp.Combine("etc/password"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var config = $"""
            repository: {_temp.Combine("backup/repo")}
            password-file: {_temp.Combine("etc/password")}
            host: media-vm
            apps:
              plex:
                paths: [{Plex}]
              sonarr:
                paths: [{_temp.Combine("mnt/projects/sonarr")}]
                hooks:
                  backup:
                    before: "false"
              jellyfin:
                paths: [{_temp.Combine("mnt/projects/jellyfin")}]
            schedule:
              time-zone: UTC
              backup: "0 3 * * *"
            """;
        Write("etc/lifeboat.yaml", config + "\n");
        var hash = Cli.Run(["dashboard", "hash-password"], stdin: DashboardPassword + "\n");
        Assert.True(hash.ExitCode == 0, hash.Stderr);
        Write("etc/dashboard.hash", hash.Stdout);
        Write("etc/lifeboat-password.yaml", config + "\ndashboard:\n  password-file: dashboard.hash\n");

        Cli.RunChecked("init");
        var backup = Cli.Run("backup");
        Assert.True(backup.ExitCode != 0 && backup.Stderr.Contains("sonarr"), $"sonarr's backup should fail: {backup.Stdout}\n{backup.Stderr}");
        // plex's history: the first snapshot marked as taken before an upgrade, then a second one with a change
        Cli.RunChecked("tag", "--add", "pre-upgrade", PlexSnapshot());
        Write("mnt/plexdata/Preferences.xml", "<Preferences FriendlyName=\"media-vm\" Upgraded=\"1\"/>");
        Cli.RunChecked("backup", "plex");
        Cli.RunChecked("verify", "plex");

        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = "/usr/bin/chromium", Headless = true });
    }

    /// <summary>A fresh browser context (its own cookies), in UTC and English for stable pages.</summary>
    /// Every answer the browser gets is secret-scanned (<see cref="Scan"/>).
    public async Task<IBrowserContext> NewContextAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            Locale = "en-GB", TimezoneId = "UTC", ViewportSize = new ViewportSize { Width = 1280, Height = 900 }, AcceptDownloads = true,
        });
        context.Response += (_, response) => _scans.Enqueue(ScanAsync(response));
        return context;
    }

    private async Task ScanAsync(IResponse response)
    {
        // a live event stream has no end to wait for; its events are the jobs' output, scanned as the Jobs page shows them
        if (response.Headers.TryGetValue("content-type", out var type) && type.Contains("event-stream", StringComparison.Ordinal)) return;
        byte[] body;
        try
        {
            body = await response.BodyAsync();
        }
        catch (PlaywrightException)
        {
            return; // a download or a page already closed: its body is not kept by the browser
        }
        Scan($"the dashboard's answer to {response.Request.Method} {response.Url}", body);
    }

    /// <summary>
    /// Secret-scans something the dashboard sent (<see cref="SecretScan"/>); a hit fails the test that saw it when it
    /// can, and the whole collection at its end in any case (a browser event has no test to fail).
    /// </summary>
    public void Scan(string what, byte[] body)
    {
        try
        {
            SecretScan.CheckText(ScanEnvironment, null, what, Encoding.Latin1.GetString(body));
        }
        catch (InvalidOperationException e)
        {
            _secretHits.Enqueue(e.Message);
            throw;
        }
    }

    /// <summary>plex's newest snapshot, by `lifeboat snapshots plex --json`.</summary>
    public string PlexSnapshot() => PlexSnapshots()[^1];

    /// <summary>plex's snapshots, oldest first (short IDs).</summary>
    public List<string> PlexSnapshots()
    {
        using var doc = JsonDocument.Parse(Cli.RunChecked("snapshots", "plex", "--json").Stdout);
        return doc.RootElement[0].GetProperty("snapshots").EnumerateArray().OrderBy(s => s.GetProperty("time").GetDateTimeOffset())
            .Select(s => s.GetProperty("short_id").GetString()!).ToList();
    }

    private void Write(string relative, string content)
    {
        var path = _temp.Combine(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Task.WhenAll(_scans).WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (InvalidOperationException) { } // a hit: in _secretHits
        catch (TimeoutException) { }
        if (Browser is not null) await Browser.DisposeAsync();
        Playwright?.Dispose();
        _temp.Dispose();
        if (!_secretHits.IsEmpty) throw new InvalidOperationException(string.Join("\n", _secretHits));
    }
}

[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardStack>
{
    public const string Name = "dashboard";
}
