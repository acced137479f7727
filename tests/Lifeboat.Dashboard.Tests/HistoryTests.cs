using Lifeboat.TestSupport;
using Microsoft.Playwright;

namespace Lifeboat.Dashboard.Tests;

/// <summary>
/// The history page's chart of the data each snapshot added and its retention preview: an app with keep-last 2 and
/// four snapshots, in a repository of its own, shows two kept (with restic's reason) and two to remove, and nothing is
/// removed by looking.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class HistoryTests(DashboardStack stack)
{
    [Fact]
    public async Task The_retention_preview_marks_what_forget_would_remove_and_the_chart_shows_each_snapshot()
    {
        var data = stack.Root + "/mnt/radarr";
        Directory.CreateDirectory(data);
        var (config, cli) = OwnStack("retention", $"""
              radarr:
                paths: [{data}]
                retention:
                  keep-last: 2
            """);
        for (int i = 1; i <= 4; i++)
        {
            // each backup adds more than the one before: the chart's bars grow
            var movie = new byte[i * 40_000];
            new Random(i).NextBytes(movie);
            await File.WriteAllBytesAsync($"{data}/movie-{i}.bin", movie, Ct);
            cli.RunChecked("backup", "radarr");
        }

        using var server = new DashboardProcess(config, stack.StateDirectory, "dashboard", "--listen", "127.0.0.1:0");
        await using var context = await stack.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(server.Address + "/#/history?app=radarr");
        await page.WaitForSelectorAsync("body[data-ready='/history']");
        var rows = page.Locator("#history tbody tr");
        Assert.Equal(4, await rows.CountAsync());
        Assert.Equal(["keep", "keep", "remove", "remove"], await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.retention)"));
        Assert.Contains("last snapshot", await rows.Nth(0).Locator("td.retention").InnerTextAsync());
        Assert.Contains("keep 2 latest snapshots", await page.Locator("#retention").InnerTextAsync());

        // the chart: one bar per snapshot, oldest to newest, higher for more data; its words for a screen reader
        var chart = page.Locator("#chart");
        Assert.Equal("img", await chart.GetAttributeAsync("role"));
        var bars = chart.Locator("rect[data-snapshot]");
        Assert.Equal(4, await bars.CountAsync());
        var heights = await bars.EvaluateAllAsync<double[]>("bars => bars.map(b => Number(b.getAttribute('height')))");
        Assert.True(heights.Zip(heights.Skip(1)).All(p => p.First < p.Second), string.Join(", ", heights));
        Assert.Equal(2, await chart.Locator("rect.remove").CountAsync());
        var description = await chart.Locator("desc").TextContentAsync();
        Assert.StartsWith("4 snapshots from ", description);
        Assert.Contains("The most data was added by snapshot " + await rows.Nth(0).GetAttributeAsync("data-snapshot"), description);

        // a preview: all four snapshots are still there
        Assert.Equal(4, System.Text.Json.JsonDocument.Parse(cli.RunChecked("snapshots", "radarr", "--json").Stdout).RootElement[0].GetProperty("snapshots").GetArrayLength());
        Assert.Equal(0, server.Stop());
    }

    [Fact]
    public async Task Back_up_all_queues_one_backup_of_every_app_and_the_page_follows_it_to_done()
    {
        Directory.CreateDirectory(stack.Root + "/mnt/lidarr");
        Directory.CreateDirectory(stack.Root + "/mnt/bazarr");
        File.WriteAllText(stack.Root + "/mnt/lidarr/config.xml", "<lidarr/>");
        File.WriteAllText(stack.Root + "/mnt/bazarr/config.ini", "[bazarr]");
        var (config, cli) = OwnStack("all", $"""
              lidarr:
                paths: [{stack.Root}/mnt/lidarr]
              bazarr:
                paths: [{stack.Root}/mnt/bazarr]
            """);

        using var server = new DashboardProcess(config, stack.StateDirectory, "dashboard", "--listen", "127.0.0.1:0");
        await using var context = await stack.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(server.Address + "/");
        await page.WaitForSelectorAsync("body[data-ready='/']");
        await page.GetByRole(AriaRole.Button, new() { Name = "Back up all apps" }).ClickAsync();
        foreach (var app in new[] { "lidarr", "bazarr" })
        {
            var done = await page.WaitForSelectorAsync($"#job-{app}[data-state='done']", new() { Timeout = 90_000 });
            Assert.Equal("success", await done!.GetAttributeAsync("data-outcome"));
            Assert.Equal("queued running done", await done.GetAttributeAsync("data-seen"));
        }
        // one job for the stack, as `lifeboat backup`: a snapshot of each app
        Assert.Contains("start backup (dashboard)", server.Output);
        using var snapshots = System.Text.Json.JsonDocument.Parse(cli.RunChecked("snapshots", "--json").Stdout);
        Assert.Equal(2, snapshots.RootElement.EnumerateArray().Count(a => a.GetProperty("snapshots").GetArrayLength() == 1));
        Assert.Equal(0, server.Stop());
    }

    /// <summary>
    /// Two quick navigations: the history page's snapshot list arrives only after the user has gone on to the jobs
    /// page. The late answer must not draw the history table into the jobs page (nor mark the page ready as history).
    /// </summary>
    [Fact]
    public async Task A_slow_history_load_never_draws_over_the_page_the_user_went_to_since()
    {
        var data = stack.Root + "/mnt/readarr";
        Directory.CreateDirectory(data);
        File.WriteAllText(data + "/config.xml", "<readarr/>");
        var (config, cli) = OwnStack("slow", $"""
              readarr:
                paths: [{data}]
            """);
        cli.RunChecked("backup", "readarr");

        using var server = new DashboardProcess(config, stack.StateDirectory, "dashboard", "--listen", "127.0.0.1:0");
        await using var context = await stack.NewContextAsync();
        var page = await context.NewPageAsync();
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var asked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync("**/api/apps/readarr/snapshots", async route =>
        {
            asked.TrySetResult();
            await held.Task;
            await route.ContinueAsync();
        });

        await page.GotoAsync(server.Address + "/#/history?app=readarr");
        await asked.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await page.EvaluateAsync("() => { location.hash = '#/jobs'; }");
        await page.WaitForSelectorAsync("body[data-ready='/jobs']");

        var answered = page.WaitForResponseAsync("**/api/apps/readarr/snapshots");
        held.SetResult();
        await answered;
        await page.EvaluateAsync("() => new Promise(done => setTimeout(done, 500))"); // the late answer's handlers have run

        Assert.Equal("Jobs", await page.Locator("#view h2").First.InnerTextAsync());
        Assert.Equal(0, await page.Locator("#history").CountAsync());
        Assert.Equal("/jobs", await page.EvaluateAsync<string>("() => document.body.dataset.ready"));
        Assert.Equal(0, server.Stop());
    }

    /// <summary>
    /// A lifeboat.yaml beside the fixture's with these apps (YAML indented under apps:) and a repository of its own,
    /// initialized: its snapshots and runs stay out of the other tests' way. The config's path, and the CLI on it.
    /// </summary>
    private (string Config, LifeboatCli Cli) OwnStack(string name, string apps)
    {
        var config = stack.Root + $"/etc/lifeboat-{name}.yaml";
        File.WriteAllText(config, $"repository: {stack.Root}/backup/repo-{name}\npassword-file: password\nhost: media-vm\napps:\n{apps}\n");
        var cli = new LifeboatCli().With("LIFEBOAT_CONFIG", config).With("LIFEBOAT_STATE_DIR", stack.StateDirectory);
        cli.RunChecked("init");
        return (config, cli);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
}
