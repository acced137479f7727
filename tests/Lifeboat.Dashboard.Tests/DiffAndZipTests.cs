using System.IO.Compression;
using Lifeboat.TestSupport;
using Microsoft.Playwright;

namespace Lifeboat.Dashboard.Tests;

/// <summary>Comparing plex's two snapshots on its history page, and a folder downloaded as .zip from the browser.</summary>
[Collection(DashboardCollection.Name)]
public sealed class DiffAndZipTests(DashboardStack stack) : IDisposable
{
    private readonly DashboardProcess _server = new(stack.ConfigPath, stack.StateDirectory, "dashboard", "--listen", "127.0.0.1:0");

    [Fact]
    public async Task The_diff_of_two_snapshots_lists_the_changed_file()
    {
        await using var context = await stack.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(_server.Address + "/#/history?app=plex");
        await page.WaitForSelectorAsync("body[data-ready='/history']");
        var snapshots = stack.PlexSnapshots();
        // the two newest, older first, chosen already
        Assert.Equal(snapshots[^2], await page.Locator("#diff-from").InputValueAsync());
        Assert.Equal(snapshots[^1], await page.Locator("#diff-to").InputValueAsync());
        await page.GetByRole(AriaRole.Button, new() { Name = "Show changes" }).ClickAsync();
        await page.WaitForSelectorAsync("#diff[data-ready='yes']");
        var rows = page.Locator("#diff-changes tbody tr");
        Assert.Equal([stack.Plex + "/Preferences.xml"], await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.path)"));
        Assert.Equal("M", await rows.First.GetAttributeAsync("data-modifier"));
        Assert.Contains("1 change from " + snapshots[^2] + " to " + snapshots[^1], await page.Locator("#diff-summary").InnerTextAsync());
        Assert.Contains("1 changed", await page.Locator("#diff-summary").InnerTextAsync());
    }

    [Fact]
    public async Task A_folder_downloads_as_a_zip_that_extracts_to_the_same_tree()
    {
        await using var context = await stack.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(_server.Address + "/#/browse?app=plex&path=" + Uri.EscapeDataString(stack.Plex));
        await page.WaitForSelectorAsync("body[data-ready='/browse'] #listing tr[data-name='Library']");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Download Library as .zip" }).ClickAsync());
        Assert.Equal("Library.zip", download.SuggestedFilename);
        using var temp = new TempDirectory("lifeboat-dashboard-zip");
        var zip = temp.Combine("Library.zip");
        await download.SaveAsAsync(zip);
        var extracted = temp.Combine("extracted");
        ZipFile.ExtractToDirectory(zip, extracted);
        var live = stack.Plex + "/Library";
        // every file and folder, byte for byte (zip keeps no owner, and its times are DOS times: those are not compared)
        Assert.Empty(TreeComparer.Compare(live, extracted + "/Library", new TreeCompareOptions { CompareOwnership = false, CompareModTimes = false, CompareXattrs = false }));
        using var archive = ZipFile.OpenRead(zip);
        var database = archive.GetEntry("Library/Databases/library.db.bin")!;
        Assert.Equal(Convert.ToInt32("100644", 8), database.ExternalAttributes >>> 16);
        Assert.Equal(3_000_000, database.Length);
    }

    public void Dispose()
    {
        Assert.Equal(0, _server.Stop());
        _server.Dispose();
    }
}
