using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>
/// restic 0.17's snapshot summary and program_version as a backup writes them, the Size column and restic 0.19's
/// time-zone line of `snapshots`, and restic 0.14 still reading the result.
/// </summary>
public sealed class SnapshotSummaryCliTests : CliTestBase
{
    private static readonly string[] SummaryNumbers =
    [
        "files_new", "files_changed", "files_unmodified", "dirs_new", "dirs_changed", "dirs_unmodified", "data_blobs",
        "tree_blobs", "data_added", "data_added_packed", "total_files_processed", "total_bytes_processed",
    ];

    private static JsonElement LastLine(string stdout) =>
        JsonDocument.Parse(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last()).RootElement;

    [Fact]
    public void ABackup_RecordsResticsSummary_WhichRestic014Ignores()
    {
        WriteFile("a.txt", "alpha");
        WriteFile("sub/b.txt", new string('b', 50_000));
        Cli.RunChecked("init");

        var line = LastLine(Cli.RunChecked("backup", Source, "--json").Stdout);

        var snapshot = Assert.Single(JsonDocument.Parse(Cli.RunChecked("snapshots", "--json").Stdout).RootElement.EnumerateArray());
        Assert.StartsWith("lifeboat ", snapshot.GetProperty("program_version").GetString());
        var summary = snapshot.GetProperty("summary");
        Assert.Equal(["backup_start", "backup_end", .. SummaryNumbers], summary.EnumerateObject().Select(p => p.Name));
        foreach (var name in SummaryNumbers)
        {
            Assert.Equal(JsonValueKind.Number, summary.GetProperty(name).ValueKind);
            Assert.True(summary.GetProperty(name).TryGetUInt64(out _), name);
        }
        Assert.Equal((2, 2, 50_005), (summary.GetProperty("files_new").GetInt32(), summary.GetProperty("total_files_processed").GetInt32(),
            summary.GetProperty("total_bytes_processed").GetInt32()));
        var start = summary.GetProperty("backup_start").GetDateTimeOffset();
        Assert.True(start <= summary.GetProperty("backup_end").GetDateTimeOffset());
        // the JSON summary line of the backup says the same (restic 0.18 added the times to it)
        Assert.Equal(start, line.GetProperty("backup_start").GetDateTimeOffset());
        Assert.Equal(summary.GetProperty("backup_end").GetDateTimeOffset(), line.GetProperty("backup_end").GetDateTimeOffset());
        Assert.Equal(summary.GetProperty("data_added_packed").GetInt64(), line.GetProperty("data_added_packed").GetInt64());

        using var restic = new Restic(Repo, Password);
        var check = restic.Run("check", "--read-data");
        Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);
        var listed = Assert.Single(JsonDocument.Parse(restic.RunChecked("snapshots", "--json").Stdout).RootElement.EnumerateArray());
        Assert.Equal(snapshot.GetProperty("id").GetString(), listed.GetProperty("id").GetString());
        var restored = Temp.Combine("restored");
        restic.RunChecked("restore", "latest", "--target", restored);
        TreeComparer.AssertSame(Source, restored + Source);
    }

    [Fact]
    public void TheTable_ShowsEachSnapshotsSize_BlankForOneWithoutASummary_AndTheZone()
    {
        WriteFile("a.txt", new string('a', 2048));
        Cli.RunChecked("init");
        using (var restic = new Restic(Repo, Password)) restic.RunChecked("backup", Source, "--host", "old");
        Cli.RunChecked("backup", Source, "--host", "new");

        var table = Cli.With("TZ", "UTC").RunChecked("snapshots").Stdout.Split('\n');

        Assert.Matches(@"^ID\s+Time\s+Host\s+Tags\s+Paths\s+Size$", table[0]);
        var oldRow = Assert.Single(table, l => l.Contains(" old "));
        var newRow = Assert.Single(table, l => l.Contains(" new "));
        Assert.EndsWith(Source, oldRow.TrimEnd());
        Assert.EndsWith("2.000 KiB", newRow.TrimEnd());
        Assert.Contains("Timestamps shown in UTC", table);
        Assert.Contains("Timestamps shown in Europe/Berlin", Cli.With("TZ", "Europe/Berlin").RunChecked("snapshots").Stdout.Split('\n'));
        // no $TZ: the system's zone, which Go calls Local and restic "local time"
        Assert.Contains(File.Exists("/etc/localtime") ? "Timestamps shown in local time" : "Timestamps shown in UTC",
            Cli.With("TZ", null).RunChecked("snapshots").Stdout.Split('\n'));
    }

    [Fact]
    public void WithoutAnySummary_TheTableHasNoSizeColumn()
    {
        WriteFile("a.txt", "a");
        Cli.RunChecked("init");
        using (var restic = new Restic(Repo, Password)) restic.RunChecked("backup", Source);

        var table = Cli.RunChecked("snapshots", "--compact").Stdout.Split('\n');

        Assert.Matches(@"^ID\s+Time\s+Host\s+Tags\s+Paths$", table[0]);
    }
}
