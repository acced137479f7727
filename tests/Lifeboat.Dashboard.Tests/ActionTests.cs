using Lifeboat.Stack.Configuration;
using Lifeboat.TestSupport;
using Microsoft.Playwright;

namespace Lifeboat.Dashboard.Tests;

/// <summary>
/// The page's actions in Chromium against `lifeboat dashboard`: restore a folder and a file into a chosen directory
/// (byte-exact, the target checked on the server), restore an app in place after typing its name, verify now with the
/// job's log live and stored; and that none of them can be posted from another site or without the page's token.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class ActionTests(DashboardStack stack) : IDisposable
{
    private readonly DashboardProcess _server = new(stack.ConfigPath, stack.StateDirectory, "dashboard", "--listen", "127.0.0.1:0");
    private readonly TempDirectory _restores = new("lifeboat-dashboard-restores");

    [Fact]
    public async Task Restore_a_path_from_the_page_and_see_it_on_disk_byte_exact()
    {
        await using var context = await stack.NewContextAsync();
        var page = await context.NewPageAsync();
        var library = stack.Plex + "/Library";
        await page.GotoAsync(_server.Address + "/#/browse?app=plex&path=" + Uri.EscapeDataString(library));
        await page.WaitForSelectorAsync("body[data-ready='/browse'] #listing tr[data-name='Databases']");

        // a folder: Library, into a directory that does not exist yet
        await page.Locator("#restore-dir").ClickAsync();
        var folderTarget = _restores.Combine("folder");
        await page.GetByLabel("Restore into directory").FillAsync(folderTarget);
        await page.GetByRole(AriaRole.Button, new() { Name = "Restore", Exact = true }).ClickAsync();
        var done = await page.WaitForSelectorAsync("#restore-job[data-state='done'][data-log='stored']", new() { Timeout = 90_000 });
        Assert.Equal("success", await done!.GetAttributeAsync("data-outcome"));
        // restic's layout: the folder at its original path under the target
        Assert.Empty(TreeComparer.Compare(library, folderTarget + library));
        Assert.Equal(["Library"], Directory.EnumerateFileSystemEntries(folderTarget + stack.Plex).Select(p => Path.GetFileName(p)));
        // its log: the lines as they came while it ran, then the stored log of the finished job
        Assert.True(int.Parse(await done.GetAttributeAsync("data-live-lines") ?? "0") > 0);
        Assert.Contains("plex: restored", await page.Locator("#restore-job pre.log").InnerTextAsync());
        Directory.CreateDirectory(DashboardStack.ScreenshotDirectory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DashboardStack.ScreenshotDirectory, "restore-path.png"), FullPage = true });

        // a single file, into an empty directory that exists
        var fileTarget = _restores.Combine("file");
        Directory.CreateDirectory(fileTarget);
        await page.Locator("#listing").GetByRole(AriaRole.Link, new() { Name = "Databases/", Exact = true }).ClickAsync();
        await page.WaitForSelectorAsync("body[data-ready='/browse'] #listing tr[data-name='library.db.bin']");
        await page.GetByRole(AriaRole.Button, new() { Name = "Restore library.db.bin…" }).ClickAsync();
        await page.GetByLabel("Restore into directory").FillAsync(fileTarget);
        await page.GetByRole(AriaRole.Button, new() { Name = "Restore", Exact = true }).ClickAsync();
        done = await page.WaitForSelectorAsync("#restore-job[data-state='done']", new() { Timeout = 90_000 });
        Assert.Equal("success", await done!.GetAttributeAsync("data-outcome"));
        var file = library + "/Databases/library.db.bin";
        Assert.Equal(await File.ReadAllBytesAsync(file, Ct), await File.ReadAllBytesAsync(fileTarget + file, Ct));
        Assert.Equal([fileTarget + file], Directory.EnumerateFiles(fileTarget, "*", SearchOption.AllDirectories));

        // into the app's own live path: refused on the server, the reason on the page, nothing queued
        await page.GetByLabel("Restore into directory").FillAsync(stack.Plex + "/Library/restored");
        await page.GetByRole(AriaRole.Button, new() { Name = "Restore", Exact = true }).ClickAsync();
        await page.WaitForSelectorAsync("#restore-result.error");
        Assert.Contains($"is inside {stack.Plex}, a live path of app plex", await page.Locator("#restore-result").InnerTextAsync());
        Assert.False(Directory.Exists(stack.Plex + "/Library/restored"));
    }

    [Theory]
    [InlineData("relative/dir", "is not an absolute path")]
    [InlineData("/srv/../etc/x", "is not a normalized path")]
    [InlineData("/etc/lifeboat-restore", "is inside /etc, a system directory")]
    [InlineData("/", "may not be /")]
    [InlineData("/var/lib/docker", "is /var/lib/docker, a system directory")]
    public async Task A_restore_target_that_is_not_safe_is_refused_with_the_reason(string target, string reason)
    {
        await using var context = await stack.NewContextAsync();
        var page = await context.NewPageAsync();
        var response = await PostAsync(page, $"/api/apps/plex/snapshots/{stack.PlexSnapshot()}/restore", new { path = stack.Plex, target });
        Assert.Equal(400, response.Status);
        Assert.Contains(reason, await ErrorAsync(response));
    }

    [Fact]
    public async Task A_restore_target_is_checked_after_its_parents_symlinks_are_resolved()
    {
        // a link to the app's live path: the target under it is inside plex's data
        var link = _restores.Combine("link-to-plex");
        File.CreateSymbolicLink(link, stack.Plex);
        var repository = _restores.Combine("link-to-repository");
        File.CreateSymbolicLink(repository, stack.Root + "/backup");
        var full = _restores.Combine("full");
        Directory.CreateDirectory(full);
        File.WriteAllText(full + "/something", "x");
        await using var context = await stack.NewContextAsync();
        var page = await context.NewPageAsync();
        var snapshot = stack.PlexSnapshot();
        var inside = await PostAsync(page, $"/api/apps/plex/snapshots/{snapshot}/restore", new { path = stack.Plex, target = link + "/restored" });
        Assert.Equal(400, inside.Status);
        Assert.Contains($"(that is {stack.Plex}/restored) is inside {stack.Plex}, a live path of app plex", await ErrorAsync(inside));
        var state = await PostAsync(page, $"/api/apps/plex/snapshots/{snapshot}/restore", new { path = stack.Plex, target = stack.StateDirectory + "/x" });
        Assert.Contains("Lifeboat's state directory", await ErrorAsync(state));
        var repo = await PostAsync(page, $"/api/apps/plex/snapshots/{snapshot}/restore", new { path = stack.Plex, target = repository + "/repo/data/x" });
        Assert.Contains("the repository", await ErrorAsync(repo));
        var notEmpty = await PostAsync(page, $"/api/apps/plex/snapshots/{snapshot}/restore", new { path = stack.Plex, target = full });
        Assert.Equal(400, notEmpty.Status);
        Assert.Contains("is not empty", await ErrorAsync(notEmpty));
    }

    [Fact]
    public async Task A_restore_posted_from_another_site_or_without_the_token_is_refused()
    {
        await using var context = await stack.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(_server.Address + "/");
        await page.WaitForSelectorAsync("body[data-ready='/']");
        var target = _restores.Combine("forged");
        var path = $"{_server.Address}/api/apps/plex/snapshots/{stack.PlexSnapshot()}/restore";
        var csrf = await CsrfAsync(page);
        var forged = await page.APIRequest.PostAsync(path, new APIRequestContextOptions
        {
            Headers = new Dictionary<string, string> { ["Origin"] = "http://attacker.example", ["X-Lifeboat-CSRF"] = csrf },
            DataObject = new { path = stack.Plex, target },
        });
        Assert.Equal(403, forged.Status);
        var tokenless = await page.APIRequest.PostAsync(path, new APIRequestContextOptions
        {
            Headers = new Dictionary<string, string> { ["Origin"] = _server.Address },
            DataObject = new { path = stack.Plex, target },
        });
        Assert.Equal(403, tokenless.Status);
        Assert.Contains("CSRF", await ErrorAsync(tokenless));
        var inPlace = await page.APIRequest.PostAsync($"{_server.Address}/api/apps/jellyfin/snapshots/latest/restore-in-place", new APIRequestContextOptions
        {
            Headers = new Dictionary<string, string> { ["Origin"] = _server.Address },
            DataObject = new { confirm = "jellyfin" },
        });
        Assert.Equal(403, inPlace.Status);
        await Task.Delay(1000, Ct);
        Assert.False(Directory.Exists(target));
        Assert.DoesNotContain("start restore", _server.Output);
    }

    [Fact]
    public async Task Restore_an_app_in_place_after_typing_its_name_puts_back_the_snapshots_files()
    {
        var live = stack.Root + "/mnt/projects/jellyfin";
        // the files as the newest snapshot holds them (nothing changed them since), with their metadata
        var before = _restores.Combine("jellyfin-before");
        TestData.CopyTree(live, before);
        await File.WriteAllTextAsync(live + "/config/system.xml", "<jellyfin broken=\"1\"/>", Ct);

        await using var context = await stack.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(_server.Address + "/#/history?app=jellyfin");
        await page.WaitForSelectorAsync("body[data-ready='/history']");
        await page.Locator("#history tbody tr").First.Locator("button[data-action='restore-in-place']").ClickAsync();
        var dialog = page.Locator("#confirm-restore");
        await dialog.Locator("#confirm-name").WaitForAsync();
        // what it replaces, named before anything happens
        Assert.Equal([live], await dialog.Locator("#confirm-paths li").AllInnerTextsAsync());
        Assert.Contains("names no containers", await dialog.Locator("#confirm-containers").InnerTextAsync());
        Assert.Equal(0, await dialog.Locator("#dump-choice").CountAsync());
        Directory.CreateDirectory(DashboardStack.ScreenshotDirectory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DashboardStack.ScreenshotDirectory, "restore-confirm.png"), FullPage = true });
        // the button waits for the app's name
        await dialog.Locator("#confirm-name").FillAsync("jellyfi");
        Assert.True(await dialog.Locator("#confirm-go").IsDisabledAsync());
        await dialog.Locator("#confirm-name").FillAsync("jellyfin");
        await dialog.Locator("#confirm-go").ClickAsync();
        var done = await page.WaitForSelectorAsync("#restore-job[data-state='done']", new() { Timeout = 90_000 });
        Assert.Equal("success", await done!.GetAttributeAsync("data-outcome"));
        Assert.Empty(TreeComparer.Compare(before, live));
        Assert.Contains("start restore jellyfin (dashboard)", _server.Output);
    }

    [Fact]
    public async Task A_restore_in_place_without_the_apps_name_is_refused()
    {
        await using var context = await stack.NewContextAsync();
        var page = await context.NewPageAsync();
        var response = await PostAsync(page, "/api/apps/jellyfin/snapshots/latest/restore-in-place", new { confirm = "plex" });
        Assert.Equal(400, response.Status);
        Assert.Contains("type the app's name, jellyfin", await ErrorAsync(response));
    }

    [Fact]
    public async Task Verify_now_runs_the_restore_test_and_its_log_is_on_the_jobs_page()
    {
        await using var context = await stack.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(_server.Address + "/");
        await page.WaitForSelectorAsync("body[data-ready='/']");
        await page.Locator("article.card[data-app='plex']").GetByRole(AriaRole.Button, new() { Name = "Verify now" }).ClickAsync();
        var done = await page.WaitForSelectorAsync("#job-plex[data-job='verify'][data-state='done']", new() { Timeout = 90_000 });
        Assert.Equal("success", await done!.GetAttributeAsync("data-outcome"));
        Assert.StartsWith("Restore test done: success", await done.InnerTextAsync());

        await page.GotoAsync(_server.Address + "/#/jobs");
        await page.WaitForSelectorAsync("body[data-ready='/jobs']");
        var row = page.Locator("#jobs tbody tr[data-job='verify']").First;
        Assert.Equal("success", await row.GetAttributeAsync("data-outcome"));
        Assert.Contains("dashboard", await row.InnerTextAsync());
        await row.GetByRole(AriaRole.Button).ClickAsync();
        var log = page.Locator("#job-log pre.log");
        await log.WaitForAsync();
        // the stored log of the finished run, from the state database
        Assert.Contains("plex", await log.InnerTextAsync());
        Assert.Contains("passed", await log.InnerTextAsync());
    }

    [Fact]
    public void The_schedule_still_refuses_a_restore_job_with_its_message()
    {
        var config = stack.Root + "/etc/lifeboat-restore-schedule.yaml";
        File.WriteAllText(config, $"repository: {stack.Root}/backup/repo\npassword-file: password\napps:\n  plex:\n    paths: [{stack.Plex}]\nschedule:\n  restore: \"0 3 * * *\"\n");
        var error = Assert.Throws<StackConfigException>(() => StackConfigLoader.Load(config));
        Assert.Contains("schedule.restore", error.Message);
        Assert.Contains("is not a known key; valid keys are time-zone, catch-up, lock-wait, backup, forget, prune, check, verify", error.Message);
    }

    /// <summary>A POST as the page makes it: its own origin and its session's token.</summary>
    private async Task<IAPIResponse> PostAsync(IPage page, string path, object body)
    {
        return await page.APIRequest.PostAsync(_server.Address + path, new APIRequestContextOptions
        {
            Headers = new Dictionary<string, string> { ["Origin"] = _server.Address, ["X-Lifeboat-CSRF"] = await CsrfAsync(page) },
            DataObject = body,
        });
    }

    /// <summary>The page's session's CSRF token (the session cookie is the browser context's).</summary>
    private async Task<string> CsrfAsync(IPage page) =>
        (await (await page.APIRequest.GetAsync(_server.Address + "/api/session")).JsonAsync())!.Value.GetProperty("csrf").GetString()!;

    /// <summary>The message of a JSON error response (as the page shows it).</summary>
    private static async Task<string> ErrorAsync(IAPIResponse response) =>
        (await response.JsonAsync())!.Value.GetProperty("error").GetString()!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _ = _server.Address; // listening, its signal handlers in place
        Assert.Equal(0, _server.Stop());
        _server.Dispose();
        _restores.Dispose();
    }
}
