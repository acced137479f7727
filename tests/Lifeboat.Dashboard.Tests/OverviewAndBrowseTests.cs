using System.Formats.Tar;
using System.Net;
using System.Text.Json;
using Lifeboat.TestSupport;
using Microsoft.Playwright;

namespace Lifeboat.Dashboard.Tests;

/// <summary>
/// The page as a user meets it in Chromium, served by `lifeboat dashboard` on loopback without a password: the
/// overview's states in the doctor's words, and browsing plex's snapshot down to a file and a folder, downloaded
/// and compared with the live data.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class OverviewAndBrowseTests(DashboardStack stack) : IDisposable
{
    private readonly DashboardProcess _server = new(stack.ConfigPath, stack.StateDirectory, "dashboard", "--listen", "127.0.0.1:0");

    [Fact]
    public async Task Overview_shows_a_healthy_app_a_failing_app_and_an_app_never_tested()
    {
        await using var context = await stack.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(_server.Address + "/");
        await page.WaitForSelectorAsync("body[data-ready='/']");

        var plex = page.Locator("article.card[data-app='plex']");
        Assert.Equal("pass", await plex.GetAttributeAsync("data-status"));
        Assert.Equal("pass", await plex.Locator("dd[data-check='backup']").GetAttributeAsync("data-status"));
        Assert.Matches(@"complete, \d+ minutes? ago", await plex.Locator("dd[data-check='backup']").InnerTextAsync());
        Assert.Contains("4 files", await plex.Locator("dd[data-check='backup']").InnerTextAsync());
        Assert.Contains("added", await plex.Locator("dd[data-check='backup']").InnerTextAsync());
        Assert.Equal("pass", await plex.Locator("dd[data-check='restore-test']").GetAttributeAsync("data-status"));
        Assert.Matches(@"passed, \d+ minutes? ago", await plex.Locator("dd[data-check='restore-test']").InnerTextAsync());
        // the next run from schedule: in the browser's zone (UTC here)
        var next = await plex.Locator("dd[data-check='next']").InnerTextAsync();
        Assert.Contains("03:00:00", next);
        Assert.Contains("backup \"0 3 * * *\"", next);

        var sonarr = page.Locator("article.card[data-app='sonarr']");
        Assert.Equal("fail", await sonarr.GetAttributeAsync("data-status"));
        var sonarrBackup = sonarr.Locator("dd[data-check='backup']");
        Assert.Equal("fail", await sonarrBackup.GetAttributeAsync("data-status"));
        var sonarrText = await sonarrBackup.InnerTextAsync();
        Assert.Matches(@"failed, \d+ minutes? ago", sonarrText);
        // the doctor's own words, reason and fix
        Assert.Contains("hook backup.before (false) failed", sonarrText);
        Assert.Contains("Fix: run lifeboat backup sonarr", sonarrText);

        var jellyfin = page.Locator("article.card[data-app='jellyfin']");
        Assert.Equal("fail", await jellyfin.GetAttributeAsync("data-status"));
        Assert.Equal("pass", await jellyfin.Locator("dd[data-check='backup']").GetAttributeAsync("data-status"));
        var test = jellyfin.Locator("dd[data-check='restore-test']");
        Assert.Equal("fail", await test.GetAttributeAsync("data-status"));
        Assert.Contains("never tested", await test.InnerTextAsync());
        Assert.Contains("no restore test recorded on this machine", await test.InnerTextAsync());
        Assert.Contains("Fix: run lifeboat verify jellyfin", await test.InnerTextAsync());

        // the checklist: every doctor item, the repository's passed
        Assert.Equal("pass", await page.Locator("#checklist li[data-check='repository']").GetAttributeAsync("data-status"));
        Assert.Equal(3, await page.Locator("#checklist li[data-check='restore-test']").CountAsync());

        Directory.CreateDirectory(DashboardStack.ScreenshotDirectory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DashboardStack.ScreenshotDirectory, "overview.png"), FullPage = true });
    }

    [Fact]
    public async Task Browse_into_a_snapshot_and_download_a_file_byte_exact_and_a_folder_as_tar_that_matches()
    {
        await using var context = await stack.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(_server.Address + "/#/browse?app=plex");
        await page.WaitForSelectorAsync("body[data-ready='/browse']");
        Assert.Equal(stack.PlexSnapshot(), await page.Locator("#snapshot").InputValueAsync());

        // one folder at a time, by its link, from the snapshot's root down to Library
        foreach (var name in (stack.Plex + "/Library").Trim('/').Split('/'))
        {
            await page.Locator("#listing").GetByRole(AriaRole.Link, new() { Name = name + "/", Exact = true }).ClickAsync();
            await page.WaitForSelectorAsync("body[data-ready='/browse']");
        }
        Assert.Equal(["Databases", "Metadata"], await page.Locator("#listing tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.name)"));

        await page.Locator("#listing").GetByRole(AriaRole.Link, new() { Name = "Databases/", Exact = true }).ClickAsync();
        await page.WaitForSelectorAsync("body[data-ready='/browse']");
        await page.GetByRole(AriaRole.Button, new() { Name = "library.db.bin", Exact = true }).ClickAsync();
        Assert.Contains("(3000000 bytes)", await page.Locator("#details").InnerTextAsync());
        Directory.CreateDirectory(DashboardStack.ScreenshotDirectory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DashboardStack.ScreenshotDirectory, "browse.png"), FullPage = true });

        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#details").GetByRole(AriaRole.Link, new() { Name = "Download library.db.bin" }).ClickAsync());
        using var temp = new TempDirectory("lifeboat-dashboard-download");
        var saved = temp.Combine("library.db.bin");
        await download.SaveAsAsync(saved);
        Assert.Equal("library.db.bin", download.SuggestedFilename);
        Assert.Equal(await File.ReadAllBytesAsync(stack.Plex + "/Library/Databases/library.db.bin", Ct), await File.ReadAllBytesAsync(saved, Ct));

        // back up one level: Metadata as .tar, extracted and compared file by file with the live folder
        await page.GoBackAsync();
        await page.WaitForSelectorAsync("body[data-ready='/browse'] #listing tr[data-name='Metadata']");
        var tarDownload = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Download Metadata as .tar" }).ClickAsync());
        Assert.Equal("Metadata.tar", tarDownload.SuggestedFilename);
        var tar = temp.Combine("Metadata.tar");
        await tarDownload.SaveAsAsync(tar);
        var extracted = temp.Combine("extracted");
        Directory.CreateDirectory(extracted);
        await TarFile.ExtractToDirectoryAsync(tar, extracted, overwriteFiles: false, Ct);
        var live = stack.Plex + "/Library/Metadata";
        var names = Directory.EnumerateFiles(extracted + "/Metadata").Select(Path.GetFileName).Order().ToList();
        Assert.Equal(Directory.EnumerateFiles(live).Select(Path.GetFileName).Order().ToList(), names);
        foreach (var name in names)
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(live, name!), Ct), await File.ReadAllBytesAsync(Path.Combine(extracted, "Metadata", name!), Ct));
    }

    [Fact]
    public async Task History_lists_an_apps_snapshots_newest_first_with_the_data_added_and_the_pre_upgrade_tag_marked()
    {
        await using var context = await stack.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(_server.Address + "/#/history?app=plex");
        await page.WaitForSelectorAsync("body[data-ready='/history']");
        var rows = page.Locator("#history tbody tr");
        var snapshots = stack.PlexSnapshots();
        Assert.Equal(snapshots.AsEnumerable().Reverse().ToArray(), await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.snapshot)"));
        var oldest = rows.Nth(1);
        Assert.Equal("pre-upgrade", await oldest.GetAttributeAsync("data-tags"));
        Assert.Contains("pre-upgrade (taken before an upgrade)", await oldest.InnerTextAsync());
        Assert.Equal("", await rows.Nth(0).GetAttributeAsync("data-tags"));
        // the newest run added only the changed file: less than the first, which added the 3 MB database
        Assert.Contains("KiB", await rows.Nth(0).Locator("td.added").InnerTextAsync());
        Assert.Contains("MiB", await oldest.Locator("td.added").InnerTextAsync());
        Assert.Equal("4", await rows.Nth(0).Locator("td.num").InnerTextAsync());

        Directory.CreateDirectory(DashboardStack.ScreenshotDirectory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DashboardStack.ScreenshotDirectory, "history.png"), FullPage = true });
    }

    [Fact]
    public async Task Back_up_now_queues_the_job_and_the_page_follows_it_to_done()
    {
        var before = SnapshotCount("jellyfin");
        await using var context = await stack.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(_server.Address + "/");
        await page.WaitForSelectorAsync("body[data-ready='/']");
        var card = page.Locator("article.card[data-app='jellyfin']");
        await card.GetByRole(AriaRole.Button, new() { Name = "Back up now" }).ClickAsync();
        var done = await page.WaitForSelectorAsync("#job-jellyfin[data-state='done']", new() { Timeout = 90_000 });
        Assert.Equal("success", await done!.GetAttributeAsync("data-outcome"));
        // every state reached the page, in order, by server-sent events
        Assert.Equal("queued running done", await done.GetAttributeAsync("data-seen"));
        Assert.StartsWith("Backup done: success", await done.InnerTextAsync());
        Assert.Equal(before + 1, SnapshotCount("jellyfin"));
        // run as the daemon runs jobs, and recorded: the card, read again, shows this run
        await page.WaitForSelectorAsync("article.card[data-app='jellyfin'] button[data-action='backup']:not([disabled])");
        // the card is read again once the job's end reaches the page; the shared repository handle reloads on the same
        // event, so the new count may come with the next read: wait for it rather than for a fixed time
        var history = "History (" + (before + 1) + " snapshots)";
        var card2 = page.Locator("article.card[data-app='jellyfin']");
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!(await card2.InnerTextAsync()).Contains(history, StringComparison.Ordinal) && waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            await page.ReloadAsync();
            await page.WaitForSelectorAsync("body[data-ready='/']");
        }
        Assert.Contains(history, await card2.InnerTextAsync());
        Assert.Contains("start backup jellyfin (dashboard)", _server.Output);
    }

    private int SnapshotCount(string app)
    {
        using var doc = JsonDocument.Parse(stack.Cli.RunChecked("snapshots", app, "--json").Stdout);
        return doc.RootElement[0].GetProperty("snapshots").GetArrayLength();
    }

    [Fact]
    public async Task Another_apps_snapshot_and_a_path_outside_the_snapshot_are_not_served()
    {
        using var http = new HttpClient(new ScanningHandler(stack));
        var snapshot = stack.PlexSnapshot();
        var other = await http.GetAsync($"{_server.Address}/api/apps/jellyfin/snapshots/{snapshot}/file?path={Uri.EscapeDataString(stack.Plex + "/Preferences.xml")}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Contains("is not a snapshot of app jellyfin", await other.Content.ReadAsStringAsync(Ct));
        var climbing = await http.GetAsync($"{_server.Address}/api/apps/plex/snapshots/{snapshot}/file?path={Uri.EscapeDataString(stack.Plex + "/../../etc/password")}", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, climbing.StatusCode);
        var unknownApp = await http.GetAsync($"{_server.Address}/api/apps/nextcloud/snapshots", Ct);
        Assert.Equal(HttpStatusCode.NotFound, unknownApp.StatusCode);
        // a page of another name (DNS rebinding) gets nothing without a password
        using var rebound = new HttpRequestMessage(HttpMethod.Get, _server.Address + "/api/overview");
        rebound.Headers.Host = "attacker.example";
        Assert.Equal(HttpStatusCode.MisdirectedRequest, (await http.SendAsync(rebound, Ct)).StatusCode);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        Assert.Equal(0, _server.Stop());
        _server.Dispose();
    }
}
