using System.Text.Json;
using Lifeboat.TestSupport;
using Microsoft.Data.Sqlite;

namespace Lifeboat.Stack.Tests;

/// <summary>
/// Messages a first-time user meets, with the real binary: what they say exactly. A restore that removes a stale SQLite
/// journal, a missing password file, the doctor's config item when only never failed, and the run history of a
/// one-off config pointed at the same repository.
/// </summary>
public sealed class StackMessagesCliTests : IDisposable
{
    private readonly TempDirectory _temp = new("lifeboat-messages");

    private string ConfigPath => _temp.Combine("etc/lifeboat.yaml");
    private string PasswordFile => _temp.Combine("etc/password");
    private string AppDir => _temp.Combine("mnt/projects/sonarr");
    private LifeboatCli Cli => new LifeboatCli().With("LIFEBOAT_CONFIG", ConfigPath).With("LIFEBOAT_STATE_DIR", _temp.Combine("state"));

    public StackMessagesCliTests()
    {
        Directory.CreateDirectory(AppDir);
        File.WriteAllText(Path.Combine(AppDir, "config.xml"), "<Config/>");
        WriteConfig(ConfigPath, "");
    }

    public void Dispose() => _temp.Dispose();

    private void WriteConfig(string path, string appExtra, string extra = "", string? passwordFile = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, $"""
            repository: {_temp.Combine("repo")}
            password-file: {passwordFile ?? PasswordFile}
            host: media-vm
            apps:
              sonarr:
                paths: [{AppDir}]
            {appExtra}
            {extra}
            """);
    }

    [Fact]
    public void A_restore_without_delete_says_which_stale_SQLite_journal_it_removed_and_why()
    {
        var database = Path.Combine(AppDir, "sonarr.db");
        using (var connection = new SqliteConnection($"Data Source={database};Pooling=False"))
        {
            connection.Open();
            using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE series(id INTEGER PRIMARY KEY, title TEXT); INSERT INTO series(title) VALUES ('one');";
            create.ExecuteNonQuery();
        }
        Cli.RunChecked("init");
        Cli.RunChecked("backup");
        // the live database's write-ahead log, as a running Sonarr leaves it beside the database; the snapshot has none
        File.WriteAllBytes(database + "-wal", new byte[4096]);

        var restore = Cli.RunChecked("restore", "sonarr");
        var line = Assert.Single(restore.Stdout.Split('\n'), l => l.StartsWith("sonarr: restored ", StringComparison.Ordinal));
        Assert.EndsWith($" to {AppDir}; removed {database}-wal: the write-ahead log of the sonarr.db this restore replaced, " +
            "which SQLite would have replayed into the restored one", line);
        Assert.DoesNotContain("the snapshot does not have", restore.Stdout);
        Assert.False(File.Exists(database + "-wal"));

        File.WriteAllBytes(database + "-shm", new byte[32768]);
        var json = Cli.RunChecked("restore", "sonarr", "--json");
        var restored = json.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .Single(e => e.GetProperty("message_type").GetString() == "app_restored");
        Assert.Equal(0, restored.GetProperty("items_removed").GetInt32());
        Assert.Equal([database + "-shm"], restored.GetProperty("stale_sqlite_files_removed").EnumerateArray().Select(e => e.GetString()).ToArray());
    }

    [Fact]
    public void A_missing_password_file_is_one_line_saying_where_the_off_machine_copy_goes()
    {
        var missing = _temp.Combine("etc/lifeboat/password");
        WriteConfig(ConfigPath, "", passwordFile: missing);
        var r = Cli.Run("snapshots");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"Fatal: cannot read password file {missing}: there is no such file; on a rebuilt machine, put the repository password there " +
            $"from the copy you keep off this machine (mode 0600); to use another file, change password-file in {ConfigPath}\n",
            r.Stderr);

        // the doctor says it once per item, each with its own fix
        var doctor = Cli.Run("doctor").Stdout.Split('\n');
        Assert.Contains($"[FAIL] repository: not opened: no password: the password file {missing} does not exist; " +
            $"put the repository password in {missing} (mode 0600), from the copy you keep off this machine", doctor);
        Assert.Contains($"[FAIL] password-file: {missing} does not exist; put the repository password there (mode 0600), from your copy kept off this machine; " +
            "for a new repository, lifeboat init writes one", doctor);
    }

    [Fact]
    public void Doctors_config_item_points_only_at_the_item_that_failed()
    {
        WriteConfig(ConfigPath, "", extra: $"never: [{_temp.Combine("mnt/projects")}]");
        var lines = Cli.Run("doctor").Stdout.Split('\n');
        Assert.Contains($"[FAIL] config: {ConfigPath} is refused by every command: 1 problem, see the never item; correct the line named in the never item", lines);
        Assert.Contains(lines, l => l.StartsWith("[pass] secrets: ", StringComparison.Ordinal));
        Assert.Contains($"[FAIL] never: {ConfigPath}:6: key \"apps.sonarr.paths\": {AppDir} lies under {_temp.Combine("mnt/projects")}, which is listed under never; " +
            "remove one of them; decide which of the two is wrong: a path under never is left out of every snapshot", lines);
    }

    [Fact]
    public void A_one_off_configs_failed_run_stays_out_of_the_real_configs_doctor()
    {
        File.WriteAllText(PasswordFile, "messages test password\n");
        File.SetUnixFileMode(PasswordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Cli.RunChecked("init");
        Cli.RunChecked("backup");
        // a one-off config at the same repository, whose sonarr backup fails (consistency: stop with no Docker to ask)
        var oneOff = _temp.Combine("tmp/try.yaml");
        WriteConfig(oneOff, "    consistency: stop\n    containers: [sonarr]");
        var failed = Cli.With("LIFEBOAT_CONFIG", oneOff).With("DOCKER_HOST", "unix://" + _temp.Combine("no-docker.sock")).Run("backup");
        Assert.Equal(1, failed.ExitCode);

        Assert.Equal("pass", BackupItem(Cli).GetProperty("status").GetString());
        var oneOffItem = BackupItem(Cli.With("LIFEBOAT_CONFIG", oneOff));
        Assert.Equal("fail", oneOffItem.GetProperty("status").GetString());
        Assert.Contains(") failed: ", oneOffItem.GetProperty("reason").GetString());
    }

    private static JsonElement BackupItem(LifeboatCli cli)
    {
        var r = cli.Run("doctor", "--json");
        using var doc = JsonDocument.Parse(r.Stdout);
        return doc.RootElement.GetProperty("items").EnumerateArray()
            .Single(i => i.GetProperty("check").GetString() == "backup" && i.GetProperty("subject").GetString() == "sonarr").Clone();
    }
}
