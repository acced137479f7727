using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>
/// `--metrics-file` through the real binary: after a stack backup and a verify, the file is valid Prometheus text
/// (promtool check metrics, from Debian's prometheus package) holding what the run did and what the repository holds.
/// </summary>
public sealed class MetricsFileTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private string ConfigPath => _temp.Combine("etc/lifeboat.yaml");
    private string RepoPath => _temp.Combine("backup/repo");
    private string State => _temp.Combine("state");
    private string MetricsDir => _temp.Combine("textfile");
    private string MetricsFile => Path.Combine(MetricsDir, "lifeboat.prom");
    private LifeboatCli Cli => new LifeboatCli().With("LIFEBOAT_CONFIG", ConfigPath).With("LIFEBOAT_STATE_DIR", State)
        .With("LIFEBOAT_STAGING_DIR", _temp.Combine("staging"));

    public MetricsFileTests()
    {
        Write("mnt/plexdata/Preferences.xml", "<Preferences token=\"x\"/>");
        Write("mnt/plexdata/Metadata/a.json", "{\"a\": 1}");
        Write("mnt/plexdata/Metadata/b.json", "{\"b\": 2}");
        Write("mnt/projects/sonarr/config.xml", "<sonarr/>");
        Directory.CreateDirectory(_temp.Combine("staging"));
        Directory.CreateDirectory(MetricsDir);
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigPath)!);
        File.WriteAllText(ConfigPath, $"""
            repository: {RepoPath}
            password-file: secrets/password
            host: media-vm
            apps:
              plex:
                paths: [{_temp.Combine("mnt/plexdata")}]
              sonarr:
                paths: [{_temp.Combine("mnt/projects/sonarr")}]
                consistency: stop
                containers: [sonarr]
            """);
        Cli.RunChecked("init");
    }

    private void Write(string relative, string content)
    {
        var path = _temp.Combine(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    /// <summary>The file's samples by series ("name{labels}"), after promtool found nothing wrong with it.</summary>
    private Dictionary<string, double> CheckedSamples()
    {
        var text = File.ReadAllText(MetricsFile);
        var check = ProcessRunner.Run("promtool", ["check", "metrics"], stdin: text);
        Assert.True(check.ExitCode == 0 && check.Stdout.Length + check.Stderr.Length == 0,
            $"promtool check metrics exited {check.ExitCode}: {check.Stdout}{check.Stderr}\n{text}");
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#'))
            .Select(l => l.Split(' '))
            .ToDictionary(p => p[0], p => double.Parse(p[1], CultureInfo.InvariantCulture));
    }

    [Fact]
    public void A_backup_and_a_verify_write_valid_metrics_of_what_they_did()
    {
        // sonarr is stopped through a Docker that is not there: its backup fails, plex's succeeds, the file is written
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        var backup = Cli.With("DOCKER_HOST", "unix://" + _temp.Combine("no-docker.sock")).Run("backup", "--metrics-file", MetricsFile);
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        Assert.Equal(1, backup.ExitCode);
        Assert.Contains("sonarr: FAILED", backup.Stderr);
        var plexLine = Regex.Match(backup.Stdout, @"^plex: snapshot [0-9a-f]{8}, (\d+) files, ", RegexOptions.Multiline);
        Assert.True(plexLine.Success, backup.Stdout);

        var samples = CheckedSamples();
        const string plex = "{repository=\"primary\",app=\"plex\"}", sonarr = "{repository=\"primary\",app=\"sonarr\"}";
        var success = samples["lifeboat_backup_last_success_timestamp_seconds" + plex];
        Assert.InRange(success, before, after);
        Assert.Equal(double.Parse(plexLine.Groups[1].Value, CultureInfo.InvariantCulture), samples["lifeboat_backup_last_files" + plex]);
        Assert.True(samples["lifeboat_backup_last_added_bytes" + plex] > 0);
        Assert.InRange(samples["lifeboat_backup_last_duration_seconds" + plex], 0, after - before);
        Assert.Equal(1, samples["lifeboat_backup_last_outcome{repository=\"primary\",app=\"plex\",outcome=\"success\"}"]);
        Assert.Equal(1, samples["lifeboat_app_snapshots" + plex]);
        Assert.Equal(1, samples["lifeboat_backup_last_outcome{repository=\"primary\",app=\"sonarr\",outcome=\"failure\"}"]);
        Assert.Equal(0, samples["lifeboat_backup_last_outcome{repository=\"primary\",app=\"sonarr\",outcome=\"success\"}"]);
        Assert.Equal(0, samples["lifeboat_app_snapshots" + sonarr]);
        Assert.Equal(0, samples["lifeboat_backup_last_files" + sonarr]);
        // the run itself, recorded before the file was written although neither --notify nor a daemon was involved
        const string job = "{job=\"backup\",apps=\"\"";
        Assert.Equal(1, samples["lifeboat_job_last_outcome" + job + ",outcome=\"failure\"}"]);
        Assert.InRange(samples["lifeboat_job_last_finish_timestamp_seconds" + job + "}"], before, after);
        Assert.DoesNotContain("lifeboat_job_last_success_timestamp_seconds" + job + "}", samples.Keys);
        Assert.DoesNotContain("lifeboat_backup_last_success_timestamp_seconds" + sonarr, samples.Keys);
        // size and packs from the index are those of the pack files on disk
        var packs = Directory.GetFiles(Path.Combine(RepoPath, "data"), "*", SearchOption.AllDirectories);
        Assert.Equal(packs.Length, samples["lifeboat_repository_packs{repository=\"primary\"}"]);
        Assert.Equal(packs.Sum(p => new FileInfo(p).Length), samples["lifeboat_repository_size_bytes{repository=\"primary\"}"]);
        // no restore test yet, and nothing that locates the repository
        Assert.DoesNotContain(samples.Keys, k => k.StartsWith("lifeboat_restore_test_"));
        var text = File.ReadAllText(MetricsFile);
        Assert.DoesNotContain(RepoPath, text);
        Assert.DoesNotContain(_temp.Path, text);
        // world-readable for the exporter, and no temporary file left beside it
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(MetricsFile));
        Assert.Equal([MetricsFile], Directory.GetFiles(MetricsDir));

        // a verify replaces the file: the restore test now, the backups still
        var verifyStart = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        var verify = Cli.Run("verify", "plex", "--metrics-file", MetricsFile);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        samples = CheckedSamples();
        Assert.Equal(1, samples["lifeboat_restore_test_last_passed" + plex]);
        Assert.InRange(samples["lifeboat_restore_test_last_timestamp_seconds" + plex], verifyStart, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0);
        Assert.Equal(success, samples["lifeboat_backup_last_success_timestamp_seconds" + plex]);
        Assert.DoesNotContain("lifeboat_restore_test_last_passed" + sonarr, samples.Keys);
        Assert.Equal([MetricsFile], Directory.GetFiles(MetricsDir));

        // a second backup: two snapshots of plex, and the files and bytes added that its JSON summary reports
        var second = Cli.RunChecked("backup", "plex", "--json", "--metrics-file", MetricsFile);
        using var summary = JsonDocument.Parse(second.Stdout.Split('\n').Single(l => l.Contains("\"app_summary\"")));
        samples = CheckedSamples();
        Assert.Equal(2, samples["lifeboat_app_snapshots" + plex]);
        Assert.Equal(2, samples["lifeboat_repository_snapshots{repository=\"primary\"}"]);
        Assert.Equal(summary.RootElement.GetProperty("data_added").GetInt64(), samples["lifeboat_backup_last_added_bytes" + plex]);
        Assert.Equal(summary.RootElement.GetProperty("files").GetInt64(), samples["lifeboat_backup_last_files" + plex]);
        Assert.True(samples["lifeboat_backup_last_success_timestamp_seconds" + plex] > success);
        Assert.Equal(1, samples["lifeboat_job_last_outcome{job=\"backup\",apps=\"plex\",outcome=\"success\"}"]);
        Assert.Equal(1, samples["lifeboat_job_last_outcome{job=\"verify\",apps=\"plex\",outcome=\"success\"}"]);
    }

    [Fact]
    public void Metrics_file_needs_a_stack()
    {
        var plain = new LifeboatCli(_temp.Combine("plain-repo"), "secret").With("LIFEBOAT_STATE_DIR", State);
        plain.RunChecked("init");
        var r = plain.Run(["backup", _temp.Combine("mnt/plexdata"), "--metrics-file", MetricsFile], workingDirectory: _temp.Path);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--metrics-file works with a lifeboat.yaml", r.Stderr);
        Assert.False(File.Exists(MetricsFile));
    }

    [Fact]
    public void A_file_that_cannot_be_written_is_an_error_line_and_the_backup_stands()
    {
        var r = Cli.Run("backup", "plex", "--metrics-file", _temp.Combine("no-such-dir/lifeboat.prom"));
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("metrics: could not write", r.Stderr);
        Assert.Matches(@"(?m)^plex: snapshot [0-9a-f]{8}", r.Stdout);
    }

    public void Dispose() => _temp.Dispose();
}
